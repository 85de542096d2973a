package dev.emergence.app.canvas;

/** A change inside one layer's rectangle: the pixels before and after, nothing else. */
public record RegionEdit(String label, DocLayer layer, Rect rect, int[] before, int[] after) implements Edit {
    @Override
    public void undo(CanvasDocument doc) {
        doc.writeRegion(layer, rect, before);
    }

    @Override
    public void redo(CanvasDocument doc) {
        doc.writeRegion(layer, rect, after);
    }

    @Override
    public long bytes() {
        return 4L * (before.length + after.length);
    }
}
