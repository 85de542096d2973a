package dev.emergence.app.canvas;

import dev.emergence.engine.pipeline.GenerationMode;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The artist's document: a canvas of any size with a stack of paint layers, one mask layer, and
 * the generation frame (the rectangle a generation is made for, which may reach past the canvas
 * to extend it). Every change is an {@link Edit} that undo and redo replay. Used on the JavaFX
 * thread only; {@link #snapshot()} and {@link #copyLayers()} hand copies to other threads. What the
 * frame holds decides the generation mode (see {@link #mode()}).
 */
public final class CanvasDocument {
    /** The largest side a document may have. */
    public static final int MAX_SIDE = 8192;
    /** The frame's position and size snap to this many pixels. */
    public static final int FRAME_SNAP = 8;
    /** The smallest frame side. */
    public static final int MIN_FRAME = 64;

    /** Told what changed so views repaint only that. */
    public interface Listener {
        /** Pixels of a layer changed inside {@code rect} (canvas pixels). */
        void regionChanged(LayerId layer, Rect rect);

        /** The canvas size changed, or every pixel may have: repaint everything. */
        void layersReplaced();

        /** Layers were added, removed, reordered or shown differently, or the active one changed. */
        default void stackChanged() {
            layersReplaced();
        }

        default void frameChanged(Rect frame) {
        }
    }

    private final List<DocLayer> layers = new ArrayList<>();
    private DocLayer mask;
    private DocLayer active;
    private final UndoHistory history;
    private final List<Listener> listeners = new ArrayList<>();
    private final ReadOnlyBooleanWrapper canUndo = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyBooleanWrapper canRedo = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyBooleanWrapper paintBlank = new ReadOnlyBooleanWrapper(true);
    private final ReadOnlyBooleanWrapper maskBlank = new ReadOnlyBooleanWrapper(true);
    private final ReadOnlyObjectWrapper<GenerationMode> mode = new ReadOnlyObjectWrapper<>(GenerationMode.TXT2IMG);
    private final ReadOnlyIntegerWrapper width = new ReadOnlyIntegerWrapper();
    private final ReadOnlyIntegerWrapper height = new ReadOnlyIntegerWrapper();
    private final ReadOnlyObjectWrapper<Rect> frame = new ReadOnlyObjectWrapper<>();
    private int originX, originY;
    /** Counts every finished change (stroke, operation, undo, redo): autosave watches it. */
    private final ReadOnlyIntegerWrapper revision = new ReadOnlyIntegerWrapper();
    private Consumer<String> notices = s -> { };
    private Stroke stroke;
    private Tool strokeTool;
    private DocLayer strokeLayer;
    /** The artist chose this size (a new document, an opened picture, a resize): a model load keeps it. */
    private boolean sizeChosen;

    public CanvasDocument(int width, int height, long historyCapBytes) {
        checkSize(width, height);
        this.history = new UndoHistory(historyCapBytes);
        resetTo(width, height, List.of(newPaint("Layer 1", new Layer(width, height))), new Layer(width, height));
    }

    public void addListener(Listener l) { listeners.add(l); }

    /** Where refusals go ("the layer is locked"); the studio shows them. */
    public void setNotices(Consumer<String> n) { notices = n; }

    // ---- reading

    /** The active paint layer's pixels, or the mask's. */
    public Layer layer(LayerId id) { return id == LayerId.MASK ? mask.pixels() : active.pixels(); }

    /** The paint layers, bottom to top (a copy of the list; the layers themselves are live). */
    public List<DocLayer> layers() { return List.copyOf(layers); }

    public DocLayer maskLayer() { return mask; }

    public DocLayer activeLayer() { return active; }

    public int width() { return width.get(); }

    public int height() { return height.get(); }

    public Rect bounds() { return new Rect(0, 0, width(), height()); }

    public ReadOnlyIntegerProperty widthProperty() { return width.getReadOnlyProperty(); }

    public ReadOnlyIntegerProperty heightProperty() { return height.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty canUndoProperty() { return canUndo.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty canRedoProperty() { return canRedo.getReadOnlyProperty(); }

    /** True when no paint layer has a visible pixel. */
    public ReadOnlyBooleanProperty paintBlankProperty() { return paintBlank.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty maskBlankProperty() { return maskBlank.getReadOnlyProperty(); }

    public ReadOnlyIntegerProperty revisionProperty() { return revision.getReadOnlyProperty(); }

    public ReadOnlyObjectProperty<Rect> frameProperty() { return frame.getReadOnlyProperty(); }

    /** The generation frame in canvas pixels; it may reach past the canvas (outpainting). */
    public Rect frame() { return frame.get(); }

    public boolean sizeChosen() { return sizeChosen; }

    public void setSizeChosen(boolean chosen) { sizeChosen = chosen; }

    /**
     * What a generation in the frame does. Nothing visible in it: txt2img. Something painted in
     * it: img2img. A mask in it, or a frame reaching past the canvas beside the picture: inpainting
     * (the part past the edge is masked automatically).
     */
    public ReadOnlyObjectProperty<GenerationMode> modeProperty() { return mode.getReadOnlyProperty(); }

    public GenerationMode mode() { return mode.get(); }

    /** True when the frame reaches past the canvas: a generation extends the canvas. */
    public boolean outpainting() {
        Rect f = frame();
        return !bounds().intersect(f).equals(f);
    }

    public UndoHistory history() { return history; }

    // ---- strokes

    public boolean stroking() { return stroke != null; }

    /** Starts a stroke of a stroking tool at (x, y) in canvas pixels. */
    public void beginStroke(Tool tool, BrushSettings brush, double x, double y) {
        if (!tool.strokes()) throw new IllegalArgumentException(tool + " does not draw strokes");
        if (stroke != null) endStroke();
        DocLayer target = tool.layer() == LayerId.MASK ? mask : active;
        if (refuseLocked(target)) return;
        strokeTool = tool;
        strokeLayer = target;
        int color = tool.layer() == LayerId.MASK ? 0xffffff : brush.color();
        stroke = new Stroke(target.pixels(), brush, tool.erases(), color);
        fire(tool.layer(), stroke.to(x, y));
    }

    public void strokeTo(double x, double y) {
        if (stroke == null) return;
        fire(strokeTool.layer(), stroke.to(x, y));
    }

    public void endStroke() {
        if (stroke == null) return;
        RegionEdit e = stroke.finish(strokeTool.label().toLowerCase(Locale.ROOT) + " stroke", strokeLayer);
        strokeLayer.pixelsChanged();
        stroke = null;
        if (e != null) {
            strokeLayer.setEdited(true);
            record(e);
        }
    }

    private boolean refuseLocked(DocLayer l) {
        if (!l.locked()) return false;
        notices.accept(l.name() + " is locked: unlock it in Layers to change it");
        return true;
    }

    // ---- pixel operations

    /** Paint bucket at (x, y) on the active layer; {@code tolerance} 0..255 per channel. */
    public void fill(int x, int y, int color, int tolerance) {
        if (refuseLocked(active)) return;
        Layer paint = active.pixels();
        Layer before = paint.copy();
        Rect r = FloodFill.fill(paint, x, y, color, tolerance);
        active.pixelsChanged();
        if (r.isEmpty()) return;
        record(new RegionEdit("fill", active, r, before.copyRegion(r), paint.copyRegion(r)));
        active.setEdited(true);
        fire(LayerId.PAINT, r);
    }

    /** The colour at (x, y) as it looks on the canvas (the visible layers over white paper). */
    public int pick(int x, int y) {
        if (x < 0 || y < 0 || x >= width() || y >= height()) return Pixels.WHITE;
        int[] one = new int[1];
        Compositor.composite(layers, new Rect(x, y, 1, 1), one, 1, true);
        return one[0];
    }

    public void clearMask() {
        wholeLayerOp("clear mask", mask, l -> l.fill(0));
    }

    public void invertMask() {
        wholeLayerOp("invert mask", mask, MaskOps::invert);
    }

    public void featherMask(int radius) {
        wholeLayerOp("feather mask", mask, l -> MaskOps.feather(l, radius));
    }

    /** Clears the active layer. */
    public void clearPaint() {
        wholeLayerOp("clear layer", active, l -> l.fill(0));
    }

    private void wholeLayerOp(String label, DocLayer target, Consumer<Layer> op) {
        endStroke();
        if (refuseLocked(target)) return;
        Layer l = target.pixels();
        int[] before = l.pixels().clone();
        op.accept(l);
        target.pixelsChanged();
        if (Arrays.equals(before, l.pixels())) return;
        Rect all = l.bounds();
        record(new RegionEdit(label, target, all, before, l.pixels().clone()));
        target.setEdited(true);
        fire(target.isMask() ? LayerId.MASK : LayerId.PAINT, all);
    }

    // ---- layer stack

    /** Adds an empty layer above the active one and makes it active. */
    public DocLayer addLayer() {
        return insertLayer(newPaint(nextName(), new Layer(width(), height())), "add layer");
    }

    /**
     * Adds a layer holding {@code pixels} (canvas-sized) above the active one and makes it active:
     * one undo step labelled {@code label}.
     */
    public DocLayer addLayer(String name, Layer pixels, String label) {
        checkCanvasSized(pixels);
        return insertLayer(newPaint(name, pixels), label);
    }

    private DocLayer insertLayer(DocLayer l, String label) {
        endStroke();
        StackEdit.StackState before = stackState();
        int at = layers.indexOf(active) + 1;
        List<DocLayer> next = new ArrayList<>(layers);
        next.add(at, l);
        apply(new StackEdit(label, before, new StackEdit.StackState(next, states(next), l)));
        return l;
    }

    public void duplicateLayer() {
        DocLayer src = active;
        DocLayer copy = newPaint(src.name() + " copy", src.pixels().copy(), src.state());
        copy.setGeneration(src.generation());
        copy.setEdited(src.edited());
        insertLayer(copy, "duplicate layer");
    }

    /** Removes the active layer (the last paint layer stays; it is cleared instead). */
    public void deleteLayer() {
        endStroke();
        if (layers.size() == 1) {
            clearPaint();
            return;
        }
        StackEdit.StackState before = stackState();
        int at = layers.indexOf(active);
        List<DocLayer> next = new ArrayList<>(layers);
        next.remove(at);
        apply(new StackEdit("delete layer " + active.name(), before, new StackEdit.StackState(next, states(next), next.get(Math.max(0, at - 1)))));
    }

    /** Moves the active layer up (+1) or down (−1) the stack. */
    public void moveLayer(int delta) {
        endStroke();
        int at = layers.indexOf(active), to = at + delta;
        if (to < 0 || to >= layers.size()) return;
        StackEdit.StackState before = stackState();
        List<DocLayer> next = new ArrayList<>(layers);
        next.remove(at);
        next.add(to, active);
        apply(new StackEdit(delta > 0 ? "raise layer" : "lower layer", before, new StackEdit.StackState(next, states(next), active)));
    }

    public void setActive(DocLayer l) {
        if (l == active || !layers.contains(l)) return;
        endStroke();
        active = l;
        // Choosing a layer is not a change of the picture: no undo step.
        for (Listener x : listeners) x.stackChanged();
    }

    public void renameLayer(DocLayer l, String name) {
        changeState(l, l.state().withName(name), "rename layer");
    }

    public void setOpacity(DocLayer l, double opacity) {
        changeState(l, l.state().withOpacity(Math.max(0, Math.min(1, opacity))), "layer opacity");
    }

    public void setVisible(DocLayer l, boolean visible) {
        changeState(l, l.state().withVisible(visible), visible ? "show layer" : "hide layer");
    }

    public void setLocked(DocLayer l, boolean locked) {
        changeState(l, l.state().withLocked(locked), locked ? "lock layer" : "unlock layer");
    }

    private void changeState(DocLayer l, DocLayer.State s, String label) {
        if (l.state().equals(s)) return;
        if (l == mask) {
            // The mask's visibility only: the overlay shown or not.
            l.setState(s);
            for (Listener x : listeners) x.stackChanged();
            return;
        }
        if (!layers.contains(l)) return;
        endStroke();
        StackEdit.StackState before = stackState();
        List<DocLayer.State> next = new ArrayList<>(before.states());
        next.set(layers.indexOf(l), s);
        apply(new StackEdit(label, before, new StackEdit.StackState(layers, next, active)));
    }

    /** Composites the active layer onto the one below it; the lower layer keeps its name and settings. */
    public void mergeDown() {
        endStroke();
        int at = layers.indexOf(active);
        if (at <= 0) {
            notices.accept("there is no layer below " + active.name() + " to merge it into");
            return;
        }
        DocLayer lower = layers.get(at - 1);
        if (refuseLocked(lower)) return;
        Layer merged = lower.pixels().copy();
        Compositor.over(active.pixels(), active.opacity(), merged);
        StackEdit.StackState before = stackState();
        List<DocLayer> next = new ArrayList<>(layers);
        next.remove(at);
        Rect all = bounds();
        RegionEdit pixels = new RegionEdit("merge", lower, all, lower.pixels().pixels().clone(), merged.pixels());
        StackEdit stack = new StackEdit("merge", before, new StackEdit.StackState(next, states(next), lower));
        apply(new CompoundEdit("merge down " + active.name(), List.of(pixels, stack)));
    }

    /** Replaces every visible layer by one layer of what they show together (hidden ones are dropped). */
    public void flatten() {
        endStroke();
        Layer flat = new Layer(width(), height());
        Compositor.composite(layers, bounds(), flat.pixels(), width(), false);
        DocLayer l = newPaint("Flattened", flat);
        StackEdit.StackState before = stackState();
        apply(new StackEdit("flatten", before, new StackEdit.StackState(List.of(l), List.of(l.state()), l)));
    }

    // ---- frame

    /** Moves or resizes the frame (snapped to {@link #FRAME_SNAP}, at least {@link #MIN_FRAME}): one undo step. */
    public void setFrame(Rect r) {
        // The whole canvas is taken as it is, whatever its size; anything else snaps to the grid.
        Rect s = r.equals(bounds()) ? r : snapFrame(r);
        if (s.equals(frame())) return;
        endStroke();
        apply(new FrameEdit("move frame", frame(), s));
    }

    /** The frame over the whole canvas. */
    public void frameAll() {
        setFrame(bounds());
    }

    /** The frame moved by (dx, dy) pixels (the arrow keys). */
    public void nudgeFrame(int dx, int dy) {
        Rect f = frame();
        setFrame(new Rect(f.x() + dx, f.y() + dy, f.width(), f.height()));
    }

    /** A frame rectangle snapped to the grid, with sides at least {@link #MIN_FRAME} and at most {@link #MAX_SIDE}. */
    public static Rect snapFrame(Rect r) {
        int x = snap(r.x()), y = snap(r.y());
        int w = Math.max(MIN_FRAME, Math.min(MAX_SIDE, snap(r.width())));
        int h = Math.max(MIN_FRAME, Math.min(MAX_SIDE, snap(r.height())));
        return new Rect(x, y, w, h);
    }

    private static int snap(int v) {
        return Math.round(v / (float) FRAME_SNAP) * FRAME_SNAP;
    }

    // ---- whole-document changes

    /**
     * Opens a picture as the document: the canvas takes its size, it becomes the one layer, the
     * mask is cleared and the frame covers it. One undo step.
     */
    public void setImage(BufferedImage image, String label) {
        Layer picture = Layer.fromImage(image);
        checkSize(picture.width(), picture.height());
        replaceDocument(label, List.of(newPaint(layerName(label), picture)), new Layer(picture.width(), picture.height()));
        sizeChosen = true;
    }

    /** A new empty document of the given size: one undo step (the old one is a step back). */
    public void newDocument(int w, int h) {
        checkSize(w, h);
        replaceDocument("new document", List.of(newPaint("Layer 1", new Layer(w, h))), new Layer(w, h));
        sizeChosen = true;
    }

    /** Clears every layer and the mask, keeping the size: one undo step. */
    public void clearAll() {
        if (paintBlank.get() && maskBlank.get() && layers.size() == 1) return;
        replaceDocument("clear canvas and mask", List.of(newPaint("Layer 1", new Layer(width(), height()))), new Layer(width(), height()));
    }

    /** Changes the canvas size, scaling every layer with it; the frame scales too. One undo step. */
    public void resize(int newWidth, int newHeight) {
        if (newWidth == width() && newHeight == height()) return;
        checkSize(newWidth, newHeight);
        endStroke();
        List<DocLayer> all = allLayers();
        List<Layer> before = all.stream().map(DocLayer::pixels).toList();
        List<Layer> after = all.stream().map(l -> l.pixels().scaled(newWidth, newHeight)).toList();
        Rect f = frame();
        double sx = (double) newWidth / width(), sy = (double) newHeight / height();
        Rect nf = snapFrame(new Rect((int) Math.round(f.x() * sx), (int) Math.round(f.y() * sy),
                (int) Math.round(f.width() * sx), (int) Math.round(f.height() * sy)));
        if (f.equals(bounds())) nf = new Rect(0, 0, newWidth, newHeight);
        apply(new ReplaceEdit("resize canvas", all, before, after, f, nf));
        sizeChosen = true;
    }

    /**
     * The edit that grows the canvas to hold {@code r} (canvas pixels, possibly past any edge):
     * every layer padded with transparency, everything shifted right and down by what is added on
     * the left and top. Returns null when {@code r} is inside the canvas already.
     */
    Edit extendTo(Rect r, String label) {
        Rect grown = bounds().union(r);
        if (grown.equals(bounds())) return null;
        checkSize(grown.width(), grown.height());
        int dx = -grown.x(), dy = -grown.y();
        List<DocLayer> all = allLayers();
        List<Layer> before = all.stream().map(DocLayer::pixels).toList();
        List<Layer> after = all.stream().map(l -> l.pixels().region(new Rect(-dx, -dy, grown.width(), grown.height()))).toList();
        Rect f = frame();
        return new ReplaceEdit(label, all, before, after, f, new Rect(f.x() + dx, f.y() + dy, f.width(), f.height()), dx, dy);
    }

    /**
     * A generated picture lands as a new layer above the active one, holding {@code pixels} (ARGB,
     * {@code target}'s size) inside {@code target}; when the target reaches past the canvas, the
     * canvas grows to hold it first. One undo step: undo removes the layer (and the growth), redo
     * brings it back without running anything again.
     *
     * @return the new layer
     */
    public DocLayer addGenerated(String name, Rect target, int[] pixels, int generation) {
        endStroke();
        if (pixels.length != target.width() * target.height()) {
            throw new IllegalArgumentException("a " + target.width() + "x" + target.height() + " result needs " + target.area() + " pixels");
        }
        List<Edit> edits = new ArrayList<>();
        String label = "generate " + name;
        Rect grown = bounds().union(target);
        // Growing to the left or top moves the origin by what is added there.
        int dx = -grown.x(), dy = -grown.y();
        Edit grow = extendTo(target, label);
        if (grow != null) {
            quietly(() -> grow.redo(this));
            edits.add(grow);
        }
        Rect at = new Rect(target.x() + dx, target.y() + dy, target.width(), target.height());
        // The picture placed at its region on a canvas-sized layer (what lies past the canvas is cut off).
        Layer px = new Layer(at.width(), at.height(), pixels).region(new Rect(-at.x(), -at.y(), width(), height()));
        DocLayer l = newPaint(name, px);
        l.setGeneration(generation);
        StackEdit.StackState before = stackState();
        List<DocLayer> next = new ArrayList<>(layers);
        next.add(layers.indexOf(active) + 1, l);
        StackEdit add = new StackEdit(label, before, new StackEdit.StackState(next, states(next), l));
        quietly(() -> add.redo(this));
        edits.add(add);
        record(new CompoundEdit(label, edits));
        return l;
    }

    private void replaceDocument(String label, List<DocLayer> newLayers, Layer newMask) {
        endStroke();
        int w = newMask.width(), h = newMask.height();
        List<Edit> edits = new ArrayList<>();
        // The mask and the old layers change size with the document; the stack changes to the new layers.
        // Only the mask stays and changes size; the stack edit swaps the old layers for the new.
        Rect f = frame();
        Rect nf = new Rect(0, 0, w, h);
        edits.add(new ReplaceEdit(label, List.of(mask), List.of(mask.pixels()), List.of(newMask), f, nf));
        StackEdit.StackState sb = stackState();
        edits.add(new StackEdit(label, sb, new StackEdit.StackState(newLayers, states(newLayers), newLayers.get(newLayers.size() - 1))));
        apply(new CompoundEdit(label, edits));
    }

    /**
     * Restores a saved document without an undo step (the history starts afresh): paint layers
     * bottom to top, the mask, the frame and the active layer's index.
     */
    public void restore(List<DocLayer> savedLayers, Layer savedMask, Rect savedFrame, int activeIndex) {
        endStroke();
        for (DocLayer l : savedLayers) {
            if (l.pixels().width() != savedMask.width() || l.pixels().height() != savedMask.height()) {
                throw new IllegalArgumentException("layer " + l.name() + " is " + l.pixels().width() + "x" + l.pixels().height()
                        + ", the canvas " + savedMask.width() + "x" + savedMask.height());
            }
        }
        history.clear();
        resetTo(savedMask.width(), savedMask.height(), savedLayers, savedMask);
        if (savedFrame != null && savedFrame.width() > 0 && savedFrame.height() > 0) frame.set(savedFrame);
        active = layers.get(Math.max(0, Math.min(layers.size() - 1, activeIndex)));
        for (Listener l : listeners) l.layersReplaced();
        changed();
    }

    /** Restores one paint layer and a mask (a session saved by an earlier studio), without an undo step. */
    public void restore(Layer savedPaint, Layer savedMask) {
        restore(List.of(newPaint("Layer 1", savedPaint)), savedMask, null, 0);
    }

    private void resetTo(int w, int h, List<DocLayer> paint, Layer maskPixels) {
        checkSize(w, h);
        layers.clear();
        layers.addAll(paint);
        mask = new DocLayer(maskPixels, new DocLayer.State("Mask", 1, true, false), true);
        active = layers.get(layers.size() - 1);
        width.set(w);
        height.set(h);
        frame.set(new Rect(0, 0, w, h));
        canUndo.set(history.canUndo());
        canRedo.set(history.canRedo());
        updateFlags();
    }

    // ---- undo / redo

    public void undo() {
        endStroke();
        history.popUndo().ifPresent(e -> {
            quietly(() -> e.undo(this));
            changed();
        });
    }

    public void redo() {
        endStroke();
        history.popRedo().ifPresent(e -> {
            quietly(() -> e.redo(this));
            changed();
        });
    }

    // ---- for edits

    void writeRegion(DocLayer l, Rect r, int[] pixels) {
        l.pixels().writeRegion(r, pixels);
        l.pixelsChanged();
        LayerId id = l.isMask() ? LayerId.MASK : LayerId.PAINT;
        if (quiet > 0) {
            if (id == LayerId.MASK) pendingMask = pendingMask.union(r);
            else pendingPaint = pendingPaint.union(r);
        } else {
            fire(id, r);
        }
    }

    void applyStack(StackEdit.StackState s) {
        layers.clear();
        layers.addAll(s.layers());
        for (int i = 0; i < s.layers().size(); i++) s.layers().get(i).setState(s.states().get(i));
        active = s.active();
        if (quiet > 0) pendingStack = true;
        else for (Listener l : listeners) l.stackChanged();
    }

    void applyFrame(Rect r) {
        frame.set(r);
        if (quiet > 0) pendingFrame = true;
        else for (Listener l : listeners) l.frameChanged(r);
    }

    /**
     * Where the canvas's first top-left corner lies now: what growing the canvas added on the left and
     * top (undo takes it back). A rectangle taken earlier, at origin (x0, y0), is today's rectangle
     * moved by (originX - x0, originY - y0): so a queued picture lands where it was planned.
     */
    public int originX() {
        return originX;
    }

    public int originY() {
        return originY;
    }

    void shiftOrigin(int dx, int dy) {
        originX += dx;
        originY += dy;
    }

    void replacePixels(List<DocLayer> which, List<Layer> pixels, Rect newFrame) {
        for (int i = 0; i < which.size(); i++) which.get(i).setPixels(pixels.get(i));
        Layer any = pixels.get(0);
        width.set(any.width());
        height.set(any.height());
        frame.set(newFrame);
        if (quiet > 0) {
            pendingReplaced = true;
            pendingFrame = true;
            return;
        }
        for (Listener l : listeners) l.layersReplaced();
        for (Listener l : listeners) l.frameChanged(newFrame);
    }

    /**
     * Carries out {@code edit}'s undo or redo with the views told only once it is complete: a
     * compound edit passes through states (a new size with the old layers) nobody should draw.
     */
    private void quietly(Runnable edit) {
        quiet++;
        try {
            edit.run();
        } finally {
            quiet--;
        }
        if (quiet > 0) return;
        boolean replaced = pendingReplaced, stack = pendingStack, moved = pendingFrame;
        Rect paint = pendingPaint, maskRect = pendingMask;
        pendingReplaced = pendingStack = pendingFrame = false;
        pendingPaint = pendingMask = Rect.EMPTY;
        if (replaced) {
            for (Listener l : listeners) l.layersReplaced();
        } else {
            if (stack) for (Listener l : listeners) l.stackChanged();
            if (!stack) fire(LayerId.PAINT, paint);
            fire(LayerId.MASK, maskRect);
        }
        if (moved || replaced) for (Listener l : listeners) l.frameChanged(frame());
    }

    private int quiet;
    private boolean pendingReplaced;
    private boolean pendingStack;
    private boolean pendingFrame;
    private Rect pendingPaint = Rect.EMPTY;
    private Rect pendingMask = Rect.EMPTY;

    private void apply(Edit e) {
        quietly(() -> e.redo(this));
        record(e);
    }

    private void record(Edit e) {
        history.push(e);
        changed();
    }

    private void changed() {
        canUndo.set(history.canUndo());
        canRedo.set(history.canRedo());
        updateFlags();
        revision.set(revision.get() + 1);
    }

    private void updateFlags() {
        paintBlank.set(layers.stream().allMatch(l -> !l.visible() || l.opacity() <= 0 || l.isBlank()));
        maskBlank.set(mask.isBlank());
        mode.set(frameMode());
    }

    private GenerationMode frameMode() {
        Rect f = frame();
        Rect inside = f.intersect(bounds());
        if (inside.isEmpty()) return GenerationMode.TXT2IMG;
        if (!maskBlank.get() && anyAlpha(mask.pixels(), inside)) return GenerationMode.INPAINT;
        if (outpainting() && Compositor.anyVisible(layers, inside)) return GenerationMode.INPAINT;
        return Compositor.anyVisible(inputLayers(GenerationMode.IMG2IMG), inside) ? GenerationMode.IMG2IMG : GenerationMode.TXT2IMG;
    }

    /**
     * The layers a run of {@code mode} reads: inpainting and outpainting repaint what is visible,
     * results included; txt2img and img2img leave out untouched results, so Generate again makes
     * another alternative from the same input rather than one from the last result.
     */
    public List<DocLayer> inputLayers(GenerationMode mode) {
        if (mode == GenerationMode.INPAINT) return List.copyOf(layers);
        return layers.stream().filter(l -> !l.untouchedResult()).toList();
    }

    static boolean anyAlpha(Layer l, Rect r) {
        int[] px = l.pixels();
        for (int y = r.y(); y < r.bottom(); y++) {
            for (int i = y * l.width() + r.x(), end = i + r.width(); i < end; i++) {
                if ((px[i] >>> 24) != 0) return true;
            }
        }
        return false;
    }

    private void fire(LayerId id, Rect r) {
        if (r.isEmpty()) return;
        for (Listener l : listeners) l.regionChanged(id, r);
    }

    private List<DocLayer> allLayers() {
        List<DocLayer> all = new ArrayList<>(layers);
        all.add(mask);
        return all;
    }

    private StackEdit.StackState stackState() {
        return StackEdit.StackState.of(layers, active);
    }

    private static List<DocLayer.State> states(List<DocLayer> ls) {
        return ls.stream().map(DocLayer::state).toList();
    }

    private DocLayer newPaint(String name, Layer px) {
        return newPaint(name, px, new DocLayer.State(name, 1, true, false));
    }

    private static DocLayer newPaint(String name, Layer px, DocLayer.State like) {
        return new DocLayer(px, like.withName(name).withLocked(false), false);
    }

    private String nextName() {
        for (int n = layers.size() + 1; ; n++) {
            String name = "Layer " + n;
            if (layers.stream().noneMatch(l -> l.name().equals(name))) return name;
        }
    }

    private static String layerName(String label) {
        return label == null || label.isBlank() ? "Picture" : label.replaceFirst("^(open|use|paste|drop) ", "");
    }

    private void checkCanvasSized(Layer l) {
        if (l.width() != width() || l.height() != height()) {
            throw new IllegalArgumentException("a layer of " + l.width() + "x" + l.height() + " for a " + width() + "x" + height() + " canvas");
        }
    }

    /**
     * Refuses sizes past {@link #MAX_SIDE} or beyond the memory this studio may use (each layer
     * takes 4 bytes per pixel, with copies for undo), naming the size and the limit.
     */
    public static void checkSize(int w, int h) {
        if (w <= 0 || h <= 0 || w > MAX_SIDE || h > MAX_SIDE) {
            throw new IllegalArgumentException("a canvas of " + w + "x" + h + " is not possible: each side must be 1 to " + MAX_SIDE + " pixels");
        }
        long need = 4L * w * h * 6;
        long free = Runtime.getRuntime().maxMemory() - (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
        if (need > free) {
            throw new IllegalArgumentException("a canvas of " + w + "x" + h + " needs about " + (need >> 20) + " MiB and "
                    + (free >> 20) + " MiB are free; choose a smaller size or give the studio more memory");
        }
    }

    // ---- export

    /** Copies of every layer and the mask, safe to hand to another thread (the autosave, a project file). */
    public DocumentCopy copyLayers() {
        return copyLayers((id, revision) -> false);
    }

    /**
     * As {@link #copyLayers()}, leaving out the pixels of layers the taker already has at their
     * current revision ({@code have}), with a thumbnail sampled from the composite (cheap: a few
     * thousand pixels), so an autosave of a large document copies only what changed.
     */
    public DocumentCopy copyLayers(java.util.function.BiPredicate<Long, Long> have) {
        endStroke();
        List<DocumentCopy.LayerCopy> ls = layers.stream().map(l -> new DocumentCopy.LayerCopy(l.state(),
                have.test(l.id(), l.revision()) ? null : l.pixels().copy(), l.generation(), l.edited(), l.id(), l.revision())).toList();
        Layer m = have.test(mask.id(), mask.revision()) ? null : mask.pixels().copy();
        return new DocumentCopy(width(), height(), ls, m, frame(), layers.indexOf(active), sizeChosen, mask.id(), mask.revision(), thumbnail(256));
    }

    /** The picture on white paper, {@code size} pixels on its longer side, each pixel the composite at its centre. */
    public BufferedImage thumbnail(int size) {
        double k = Math.min(1.0, (double) size / Math.max(width(), height()));
        int tw = Math.max(1, (int) Math.round(width() * k)), th = Math.max(1, (int) Math.round(height() * k));
        int[] one = new int[1];
        BufferedImage t = new BufferedImage(tw, th, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < th; y++) {
            int sy = Math.min(height() - 1, (int) ((y + 0.5) / k));
            for (int x = 0; x < tw; x++) {
                int sx = Math.min(width() - 1, (int) ((x + 0.5) / k));
                Compositor.composite(layers, new Rect(sx, sy, 1, 1), one, 1, true);
                t.setRGB(x, y, one[0]);
            }
        }
        return t;
    }

    /**
     * The frame's content at its own size, safe to hand to another thread: the visible layers
     * flattened onto transparency (what is past the canvas edge stays transparent), the mask.
     */
    public CanvasSnapshot snapshot() {
        endStroke();
        Rect f = frame();
        return new CanvasSnapshot(flattened(f, inputLayers(mode())), maskIn(f), mode());
    }

    /** {@code which} of the layers (the visible ones), flattened inside {@code r}. */
    public Layer flattened(Rect r, List<DocLayer> which) {
        Layer out = new Layer(r.width(), r.height());
        Rect inside = r.intersect(bounds());
        if (inside.isEmpty()) return out;
        int[] buf = new int[inside.width() * inside.height()];
        Compositor.composite(which, inside, buf, inside.width(), false);
        out.writeRegion(new Rect(inside.x() - r.x(), inside.y() - r.y(), inside.width(), inside.height()), buf);
        return out;
    }

    /** The mask inside {@code r} (nothing masked past the edges). */
    public Layer maskIn(Rect r) {
        return mask.pixels().region(r);
    }
}
