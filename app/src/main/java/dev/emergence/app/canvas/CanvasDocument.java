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
import java.util.List;

/**
 * The artist's working picture: a paint layer and a mask layer of one size, every change
 * undoable. Used on the JavaFX thread only; {@link #snapshot()} hands copies to other threads.
 * What the canvas holds decides the generation mode (see {@link #mode()}).
 */
public final class CanvasDocument {
    /** Told which rectangle of which layer changed (or that the size changed) so views repaint only that. */
    public interface Listener {
        void regionChanged(LayerId layer, Rect rect);

        void layersReplaced();
    }

    private Layer paint;
    private Layer mask;
    private final UndoHistory history;
    private final List<Listener> listeners = new ArrayList<>();
    private final ReadOnlyBooleanWrapper canUndo = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyBooleanWrapper canRedo = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyBooleanWrapper paintBlank = new ReadOnlyBooleanWrapper(true);
    private final ReadOnlyBooleanWrapper maskBlank = new ReadOnlyBooleanWrapper(true);
    private final ReadOnlyObjectWrapper<GenerationMode> mode = new ReadOnlyObjectWrapper<>(GenerationMode.TXT2IMG);
    private final ReadOnlyIntegerWrapper width = new ReadOnlyIntegerWrapper();
    private final ReadOnlyIntegerWrapper height = new ReadOnlyIntegerWrapper();
    /** Counts every finished change (stroke, operation, undo, redo): autosave watches it. */
    private final ReadOnlyIntegerWrapper revision = new ReadOnlyIntegerWrapper();
    private Stroke stroke;
    private Tool strokeTool;

    public CanvasDocument(int width, int height, long historyCapBytes) {
        this.paint = new Layer(width, height);
        this.mask = new Layer(width, height);
        this.history = new UndoHistory(historyCapBytes);
        this.width.set(width);
        this.height.set(height);
    }

    public void addListener(Listener l) { listeners.add(l); }

    public Layer layer(LayerId id) { return id == LayerId.PAINT ? paint : mask; }

    public int width() { return paint.width(); }

    public int height() { return paint.height(); }

    public ReadOnlyIntegerProperty widthProperty() { return width.getReadOnlyProperty(); }

    public ReadOnlyIntegerProperty heightProperty() { return height.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty canUndoProperty() { return canUndo.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty canRedoProperty() { return canRedo.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty paintBlankProperty() { return paintBlank.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty maskBlankProperty() { return maskBlank.getReadOnlyProperty(); }

    public ReadOnlyIntegerProperty revisionProperty() { return revision.getReadOnlyProperty(); }

    /**
     * Empty canvas: txt2img. Painted canvas: img2img. A mask: inpainting (of the painted picture,
     * or of white paper when nothing is painted).
     */
    public ReadOnlyObjectProperty<GenerationMode> modeProperty() { return mode.getReadOnlyProperty(); }

    public GenerationMode mode() { return mode.get(); }

    public UndoHistory history() { return history; }

    // ---- strokes

    public boolean stroking() { return stroke != null; }

    /** Starts a stroke of a stroking tool at (x, y) in canvas pixels. */
    public void beginStroke(Tool tool, BrushSettings brush, double x, double y) {
        if (!tool.strokes()) throw new IllegalArgumentException(tool + " does not draw strokes");
        if (stroke != null) endStroke();
        strokeTool = tool;
        int color = tool.layer() == LayerId.MASK ? 0xffffff : brush.color();
        stroke = new Stroke(layer(tool.layer()), brush, tool.erases(), color);
        fire(tool.layer(), stroke.to(x, y));
    }

    public void strokeTo(double x, double y) {
        if (stroke == null) return;
        fire(strokeTool.layer(), stroke.to(x, y));
    }

    public void endStroke() {
        if (stroke == null) return;
        RegionEdit e = stroke.finish(strokeTool.label().toLowerCase(java.util.Locale.ROOT) + " stroke", strokeTool.layer());
        stroke = null;
        if (e != null) record(e);
    }

    // ---- operations

    /** Paint bucket at (x, y); {@code tolerance} 0..255 per channel. */
    public void fill(int x, int y, int color, int tolerance) {
        Layer before = paint.copy();
        Rect r = FloodFill.fill(paint, x, y, color, tolerance);
        if (r.isEmpty()) return;
        record(new RegionEdit("fill", LayerId.PAINT, r, before.copyRegion(r), paint.copyRegion(r)));
        fire(LayerId.PAINT, r);
    }

    /** The colour at (x, y) as it looks on the canvas (paint over white paper). */
    public int pick(int x, int y) {
        if (x < 0 || y < 0 || x >= width() || y >= height()) return Pixels.WHITE;
        return Pixels.onWhite(paint.get(x, y));
    }

    public void clearMask() {
        wholeLayerOp("clear mask", LayerId.MASK, l -> l.fill(0));
    }

    public void invertMask() {
        wholeLayerOp("invert mask", LayerId.MASK, MaskOps::invert);
    }

    public void featherMask(int radius) {
        wholeLayerOp("feather mask", LayerId.MASK, l -> MaskOps.feather(l, radius));
    }

    public void clearPaint() {
        wholeLayerOp("clear canvas", LayerId.PAINT, l -> l.fill(0));
    }

    private void wholeLayerOp(String label, LayerId id, java.util.function.Consumer<Layer> op) {
        Layer l = layer(id);
        int[] before = l.pixels().clone();
        op.accept(l);
        if (java.util.Arrays.equals(before, l.pixels())) return;
        Rect all = l.bounds();
        record(new RegionEdit(label, id, all, before, l.pixels().clone()));
        fire(id, all);
    }

    /**
     * Makes a picture the canvas ("use result as canvas", a dropped or pasted image): the canvas
     * takes the picture's size and the mask is cleared. One undo step.
     */
    public void setImage(BufferedImage image, String label) {
        Layer newPaint = Layer.fromImage(image);
        replace(label, newPaint, new Layer(newPaint.width(), newPaint.height()));
    }

    /** Clears paint and mask at once, keeping the size: one undo step. */
    public void clearAll() {
        if (paint.isBlank() && mask.isBlank()) return;
        replace("clear canvas and mask", new Layer(width(), height()), new Layer(width(), height()));
    }

    /** Changes the canvas size, scaling what is painted and masked with it. One undo step. */
    public void resize(int newWidth, int newHeight) {
        if (newWidth == width() && newHeight == height()) return;
        replace("resize canvas", paint.scaled(newWidth, newHeight), mask.scaled(newWidth, newHeight));
    }

    private void replace(String label, Layer newPaint, Layer newMask) {
        endStroke();
        Edit e = new ReplaceEdit(label, paint.copy(), mask.copy(), newPaint.copy(), newMask.copy());
        replaceLayers(newPaint, newMask);
        record(e);
    }

    /** Restores layers saved by the session, without an undo step (the history starts afresh). */
    public void restore(Layer savedPaint, Layer savedMask) {
        history.clear();
        replaceLayers(savedPaint, savedMask);
        revision.set(revision.get() + 1);
        updateFlags();
    }

    // ---- undo / redo

    public void undo() {
        endStroke();
        history.popUndo().ifPresent(e -> {
            e.undo(this);
            changed();
        });
    }

    public void redo() {
        endStroke();
        history.popRedo().ifPresent(e -> {
            e.redo(this);
            changed();
        });
    }

    // ---- for edits

    void writeRegion(LayerId id, Rect r, int[] pixels) {
        layer(id).writeRegion(r, pixels);
        fire(id, r);
    }

    void replaceLayers(Layer newPaint, Layer newMask) {
        if (newPaint.width() != newMask.width() || newPaint.height() != newMask.height()) {
            throw new IllegalArgumentException("paint and mask layers differ in size");
        }
        paint = newPaint;
        mask = newMask;
        width.set(newPaint.width());
        height.set(newPaint.height());
        for (Listener l : listeners) l.layersReplaced();
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
        paintBlank.set(paint.isBlank());
        maskBlank.set(mask.isBlank());
        mode.set(!maskBlank.get() ? GenerationMode.INPAINT : !paintBlank.get() ? GenerationMode.IMG2IMG : GenerationMode.TXT2IMG);
    }

    private void fire(LayerId id, Rect r) {
        if (r.isEmpty()) return;
        for (Listener l : listeners) l.regionChanged(id, r);
    }

    // ---- export

    /** Copies of both layers, safe to hand to another thread. */
    public CanvasSnapshot snapshot() {
        endStroke();
        return new CanvasSnapshot(paint.copy(), mask.copy(), mode());
    }
}
