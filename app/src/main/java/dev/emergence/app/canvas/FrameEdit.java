package dev.emergence.app.canvas;

/** The generation frame moved or resized. */
record FrameEdit(String label, Rect before, Rect after) implements Edit {
    @Override
    public void undo(CanvasDocument doc) {
        doc.applyFrame(before);
    }

    @Override
    public void redo(CanvasDocument doc) {
        doc.applyFrame(after);
    }

    @Override
    public long bytes() { return 64; }
}
