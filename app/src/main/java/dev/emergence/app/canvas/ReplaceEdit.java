package dev.emergence.app.canvas;

/** A change of both layers at once that may change the canvas size (resize, image as canvas). */
record ReplaceEdit(String label, Layer paintBefore, Layer maskBefore, Layer paintAfter, Layer maskAfter) implements Edit {
    @Override
    public void undo(CanvasDocument doc) {
        doc.replaceLayers(paintBefore.copy(), maskBefore.copy());
    }

    @Override
    public void redo(CanvasDocument doc) {
        doc.replaceLayers(paintAfter.copy(), maskAfter.copy());
    }

    @Override
    public long bytes() {
        return 4L * (paintBefore.pixels().length + maskBefore.pixels().length
                + paintAfter.pixels().length + maskAfter.pixels().length);
    }
}
