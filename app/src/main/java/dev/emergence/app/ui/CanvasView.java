package dev.emergence.app.ui;

import dev.emergence.app.canvas.CanvasDocument;
import dev.emergence.app.canvas.Compositor;
import dev.emergence.app.canvas.Layer;
import dev.emergence.app.canvas.LayerId;
import dev.emergence.app.canvas.Rect;
import dev.emergence.app.canvas.Tool;
import dev.emergence.app.canvas.ToolSettings;
import javafx.beans.binding.Bindings;
import javafx.geometry.Point2D;
import javafx.scene.Cursor;
import javafx.scene.control.Label;
import javafx.scene.image.ImageView;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.ScrollEvent;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.shape.Circle;
import javafx.scene.shape.Rectangle;
import javafx.scene.transform.Scale;
import javafx.scene.transform.Translate;

/**
 * The canvas on screen: the visible layers composited on white paper, the mask as a translucent
 * overlay and the generation frame with its handles (moved and resized with the frame tool), with
 * zoom (wheel, about the pointer) and pan (Space+drag or the middle button). Strokes go to the
 * {@link CanvasDocument}; only the rectangles that changed are copied to the screen images.
 */
public final class CanvasView extends Region {
    /** The mask overlay's colour (RGB) and its strength where the mask is full. */
    private static final int MASK_RGB = 0xff3d71;
    private static final double MASK_ALPHA = 0.55;

    private final CanvasDocument doc;
    private final ToolSettings tools;
    private final Pane surface = new Pane();
    private final Rectangle paper = new Rectangle();
    private final ImageView paintView = new ImageView();
    private final ImageView maskView = new ImageView();
    private final Circle cursor = new Circle();
    /** The generation frame; dashed, with handles at its corners and edges. */
    private final Rectangle frameRect = new Rectangle();
    private final Rectangle[] handles = new Rectangle[8];
    /** The frame while it is dragged (committed as one undo step on release). */
    private dev.emergence.app.canvas.Rect dragFrame;
    private dev.emergence.app.canvas.Rect dragStartFrame;
    private int dragHandle = -1;
    private double dragStartX;
    private double dragStartY;
    private int[] composite = new int[0];
    private final Label hint = new Label("Empty canvas: text to image.\nPaint, paste or drop a picture for image to image; paint a mask (M) to inpaint.");
    private final Translate pan = new Translate();
    private final Scale zoom = new Scale(1, 1, 0, 0);
    private WritableImage paintImage;
    private WritableImage maskImage;
    private int[] maskBuffer = new int[0];
    private boolean autoFit = true;
    private boolean spaceHeld;
    private boolean panning;
    private double panStartX;
    private double panStartY;

    public CanvasView(CanvasDocument doc, ToolSettings tools) {
        this.doc = doc;
        this.tools = tools;
        getStyleClass().add("canvas-view");
        setId("canvas");
        Rectangle clip = new Rectangle();
        clip.widthProperty().bind(widthProperty());
        clip.heightProperty().bind(heightProperty());
        setClip(clip);
        paper.setFill(Color.WHITE);
        paper.getStyleClass().add("paper");
        cursor.setFill(null);
        cursor.setStroke(Color.rgb(255, 255, 255, 0.9));
        cursor.setMouseTransparent(true);
        cursor.setVisible(false);
        maskView.setMouseTransparent(true);
        frameRect.setId("generation-frame");
        frameRect.setFill(null);
        frameRect.setStroke(Color.rgb(90, 200, 255, 0.95));
        frameRect.getStrokeDashArray().setAll(6.0, 4.0);
        frameRect.setMouseTransparent(true);
        surface.getChildren().addAll(paper, paintView, maskView, frameRect);
        for (int i = 0; i < handles.length; i++) {
            handles[i] = new Rectangle();
            handles[i].setFill(Color.rgb(90, 200, 255, 0.95));
            handles[i].setMouseTransparent(true);
            surface.getChildren().add(handles[i]);
        }
        surface.getChildren().add(cursor);
        surface.getTransforms().addAll(pan, zoom);
        surface.setManaged(false);
        hint.getStyleClass().add("canvas-hint");
        hint.setMouseTransparent(true);
        hint.setWrapText(true);
        hint.visibleProperty().bind(Bindings.and(doc.paintBlankProperty(), doc.maskBlankProperty()));
        getChildren().addAll(surface, hint);
        rebuildImages();

        doc.addListener(new CanvasDocument.Listener() {
            @Override
            public void regionChanged(LayerId layer, Rect rect) {
                if (layer == LayerId.PAINT) copyPaint(rect);
                else copyMask(rect);
            }

            @Override
            public void stackChanged() {
                copyPaint(doc.bounds());
                maskView.setVisible(doc.maskLayer().visible());
            }

            @Override
            public void frameChanged(Rect frame) {
                showFrame(frame);
            }

            @Override
            public void layersReplaced() {
                rebuildImages();
                autoFit = true;
                requestLayout();
            }
        });
        addEventHandler(MouseEvent.MOUSE_PRESSED, this::pressed);
        addEventHandler(MouseEvent.MOUSE_DRAGGED, this::dragged);
        addEventHandler(MouseEvent.MOUSE_RELEASED, this::released);
        addEventHandler(MouseEvent.MOUSE_MOVED, e -> moveCursor(e.getX(), e.getY()));
        addEventHandler(MouseEvent.MOUSE_EXITED, e -> cursor.setVisible(false));
        addEventHandler(ScrollEvent.SCROLL, this::scrolled);
        tools.sizeProperty().addListener((o, a, b) -> cursor.setRadius(b.doubleValue() / 2));
        cursor.setRadius(tools.sizeProperty().get() / 2);
        tools.toolProperty().addListener((o, a, b) -> showFrame(doc.frame()));
        zoom.xProperty().addListener((o, a, b) -> {
            cursor.setStrokeWidth(1.5 / b.doubleValue());
            showFrame(dragFrame != null ? dragFrame : doc.frame());
            // Pixels stay crisp when zoomed in, smooth when zoomed out.
            boolean smooth = b.doubleValue() < 1.5;
            paintView.setSmooth(smooth);
            maskView.setSmooth(smooth);
        });
    }

    // ---- screen images

    private void rebuildImages() {
        int w = doc.width(), h = doc.height();
        paintImage = new WritableImage(w, h);
        maskImage = new WritableImage(w, h);
        maskBuffer = new int[w * h];
        composite = new int[w * h];
        paintView.setImage(paintImage);
        maskView.setImage(maskImage);
        paper.setWidth(w);
        paper.setHeight(h);
        copyPaint(doc.bounds());
        copyMask(doc.bounds());
        maskView.setVisible(doc.maskLayer().visible());
        showFrame(doc.frame());
    }

    /** Recomposites the visible layers inside {@code r} and copies them to the screen image. */
    private void copyPaint(Rect r) {
        r = r.clip(doc.width(), doc.height());
        if (r.isEmpty()) return;
        int w = doc.width();
        java.util.List<dev.emergence.app.canvas.DocLayer> layers = doc.layers();
        if (layers.size() == 1 && layers.get(0).visible() && layers.get(0).opacity() >= 1) {
            // One layer as it is (the usual case while painting): no compositing needed.
            Layer l = layers.get(0).pixels();
            paintImage.getPixelWriter().setPixels(r.x(), r.y(), r.width(), r.height(), PixelFormat.getIntArgbInstance(),
                    l.pixels(), r.y() * w + r.x(), w);
            return;
        }
        int[] tmp = r.width() * r.height() <= composite.length ? composite : new int[r.width() * r.height()];
        Compositor.composite(layers, r, tmp, r.width(), false);
        paintImage.getPixelWriter().setPixels(r.x(), r.y(), r.width(), r.height(), PixelFormat.getIntArgbInstance(), tmp, 0, r.width());
    }

    // ---- frame

    private void showFrame(Rect f) {
        double z = zoom();
        frameRect.setX(f.x());
        frameRect.setY(f.y());
        frameRect.setWidth(f.width());
        frameRect.setHeight(f.height());
        frameRect.setStrokeWidth(1.5 / z);
        boolean editing = tools.toolProperty().get() == Tool.FRAME;
        double hs = 9 / z;
        double[][] at = handlePoints(f);
        for (int i = 0; i < handles.length; i++) {
            handles[i].setX(at[i][0] - hs / 2);
            handles[i].setY(at[i][1] - hs / 2);
            handles[i].setWidth(hs);
            handles[i].setHeight(hs);
            handles[i].setVisible(editing);
        }
    }

    /** Corners and edge midpoints, clockwise from the top left. */
    private static double[][] handlePoints(Rect f) {
        double x0 = f.x(), y0 = f.y(), x1 = f.right(), y1 = f.bottom(), xm = (x0 + x1) / 2, ym = (y0 + y1) / 2;
        return new double[][] {{x0, y0}, {xm, y0}, {x1, y0}, {x1, ym}, {x1, y1}, {xm, y1}, {x0, y1}, {x0, ym}};
    }

    /** The handle under a canvas point, or -1. */
    private int handleAt(Point2D p) {
        double[][] at = handlePoints(doc.frame());
        double reach = 10 / zoom();
        for (int i = 0; i < at.length; i++) {
            if (Math.abs(p.getX() - at[i][0]) <= reach && Math.abs(p.getY() - at[i][1]) <= reach) return i;
        }
        return -1;
    }

    private void frameDragged(Point2D p) {
        Rect s = dragStartFrame;
        int dx = (int) Math.round(p.getX() - dragStartX), dy = (int) Math.round(p.getY() - dragStartY);
        int x0 = s.x(), y0 = s.y(), x1 = s.right(), y1 = s.bottom();
        switch (dragHandle) {
            case -1 -> {
                x0 += dx;
                x1 += dx;
                y0 += dy;
                y1 += dy;
            }
            case 0 -> { x0 += dx; y0 += dy; }
            case 1 -> y0 += dy;
            case 2 -> { x1 += dx; y0 += dy; }
            case 3 -> x1 += dx;
            case 4 -> { x1 += dx; y1 += dy; }
            case 5 -> y1 += dy;
            case 6 -> { x0 += dx; y1 += dy; }
            case 7 -> x0 += dx;
            default -> { }
        }
        Rect r = CanvasDocument.snapFrame(Rect.of(Math.min(x0, x1 - CanvasDocument.MIN_FRAME), Math.min(y0, y1 - CanvasDocument.MIN_FRAME),
                Math.max(x1, x0 + CanvasDocument.MIN_FRAME), Math.max(y1, y0 + CanvasDocument.MIN_FRAME)));
        if (dragHandle == -1) r = CanvasDocument.snapFrame(new Rect(x0, y0, s.width(), s.height()));
        dragFrame = r;
        showFrame(r);
    }

    /** Moves the frame by whole pixels (the arrow keys with the frame tool). */
    public void nudgeFrame(int dx, int dy) {
        doc.nudgeFrame(dx, dy);
    }

    private void copyMask(Rect r) {
        Layer l = doc.layer(LayerId.MASK);
        int[] px = l.pixels();
        int w = l.width();
        for (int y = r.y(); y < r.bottom(); y++) {
            for (int x = r.x(); x < r.right(); x++) {
                int a = (int) Math.round((px[y * w + x] >>> 24) * MASK_ALPHA);
                maskBuffer[y * w + x] = a << 24 | MASK_RGB;
            }
        }
        maskImage.getPixelWriter().setPixels(r.x(), r.y(), r.width(), r.height(), PixelFormat.getIntArgbInstance(),
                maskBuffer, r.y() * w + r.x(), w);
    }

    // ---- layout, zoom, pan

    @Override
    protected void layoutChildren() {
        if (autoFit) fit();
        double w = getWidth(), h = getHeight();
        double hw = Math.min(w - 40, 520);
        hint.resizeRelocate((w - hw) / 2, h - 80, hw, 64);
    }

    /** Zooms so the whole canvas (and the frame where it reaches past it) shows, centred. */
    public void fit() {
        double w = getWidth(), h = getHeight();
        if (w <= 0 || h <= 0) return;
        Rect all = doc.bounds().union(doc.frame());
        double z = Math.min((w - 24) / all.width(), (h - 24) / all.height());
        z = Math.max(0.05, z);
        setZoom(z);
        pan.setX((w - all.width() * z) / 2 - all.x() * z);
        pan.setY((h - all.height() * z) / 2 - all.y() * z);
        autoFit = true;
    }

    public double zoom() { return zoom.getX(); }

    private void setZoom(double z) {
        zoom.setX(z);
        zoom.setY(z);
    }

    private void scrolled(ScrollEvent e) {
        if (e.getDeltaY() == 0) return;
        // In wheel notches (deltaY / multiplierY: 40 per notch on most platforms), 15 % per notch.
        double notches = e.getMultiplierY() > 0 ? e.getDeltaY() / e.getMultiplierY() : Math.signum(e.getDeltaY());
        double factor = Math.pow(1.15, notches);
        double z = Math.max(0.05, Math.min(32, zoom() * factor));
        double k = z / zoom();
        // Keep the canvas point under the pointer where it is.
        pan.setX(e.getX() - (e.getX() - pan.getX()) * k);
        pan.setY(e.getY() - (e.getY() - pan.getY()) * k);
        setZoom(z);
        autoFit = false;
        e.consume();
    }

    /** Space held: dragging pans instead of painting (set by the window's key handling). */
    public void setSpaceHeld(boolean held) {
        spaceHeld = held;
        setCursor(held ? Cursor.OPEN_HAND : Cursor.DEFAULT);
    }

    /** The canvas pixel under a point of this view. */
    public Point2D toCanvas(double viewX, double viewY) {
        return new Point2D((viewX - pan.getX()) / zoom(), (viewY - pan.getY()) / zoom());
    }

    /** The point of this view over a canvas pixel's position (inverse of {@link #toCanvas}). */
    public Point2D toView(double canvasX, double canvasY) {
        return new Point2D(pan.getX() + canvasX * zoom(), pan.getY() + canvasY * zoom());
    }

    // ---- painting

    private void pressed(MouseEvent e) {
        requestFocus();
        if (spaceHeld || e.getButton() == MouseButton.MIDDLE) {
            panning = true;
            panStartX = e.getX() - pan.getX();
            panStartY = e.getY() - pan.getY();
            setCursor(Cursor.CLOSED_HAND);
            return;
        }
        if (e.getButton() != MouseButton.PRIMARY) return;
        Point2D p = toCanvas(e.getX(), e.getY());
        Tool tool = tools.toolProperty().get();
        switch (tool) {
            case FRAME -> {
                dragHandle = handleAt(p);
                dragStartFrame = doc.frame();
                dragStartX = p.getX();
                dragStartY = p.getY();
                dragFrame = dragStartFrame;
            }
            case FILL -> doc.fill((int) Math.floor(p.getX()), (int) Math.floor(p.getY()), tools.colorProperty().get(),
                    tools.fillToleranceProperty().get());
            case EYEDROPPER -> tools.colorProperty().set(doc.pick((int) Math.floor(p.getX()), (int) Math.floor(p.getY())) & 0xffffff);
            default -> doc.beginStroke(tool, tools.brush(), p.getX(), p.getY());
        }
        e.consume();
    }

    private void dragged(MouseEvent e) {
        if (panning) {
            pan.setX(e.getX() - panStartX);
            pan.setY(e.getY() - panStartY);
            autoFit = false;
            return;
        }
        moveCursor(e.getX(), e.getY());
        if (dragStartFrame != null) {
            frameDragged(toCanvas(e.getX(), e.getY()));
            e.consume();
            return;
        }
        if (doc.stroking()) {
            Point2D p = toCanvas(e.getX(), e.getY());
            doc.strokeTo(p.getX(), p.getY());
        }
        e.consume();
    }

    private void released(MouseEvent e) {
        if (panning) {
            panning = false;
            setCursor(spaceHeld ? Cursor.OPEN_HAND : Cursor.DEFAULT);
            return;
        }
        if (dragStartFrame != null) {
            Rect f = dragFrame;
            dragStartFrame = null;
            dragFrame = null;
            if (f != null && !f.equals(doc.frame())) doc.setFrame(f);
            else showFrame(doc.frame());
            return;
        }
        doc.endStroke();
    }

    private void moveCursor(double x, double y) {
        Tool t = tools.toolProperty().get();
        Point2D p = toCanvas(x, y);
        cursor.setCenterX(p.getX());
        cursor.setCenterY(p.getY());
        cursor.setStroke(t.layer() == LayerId.MASK ? Color.rgb(255, 90, 130, 0.95) : Color.rgb(40, 40, 40, 0.85));
        cursor.setVisible(t.strokes() && !spaceHeld);
    }
}
