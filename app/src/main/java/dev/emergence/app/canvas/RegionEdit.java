package dev.emergence.app.canvas;

/**
 * A change inside one layer's rectangle: the pixels before and after, and whether the layer
 * counted as edited before (a generated layer painted on becomes the artist's own).
 */
public record RegionEdit(String label, DocLayer layer, Rect rect, int[] before, int[] after, boolean editedBefore) implements Edit {
    public RegionEdit(String label, DocLayer layer, Rect rect, int[] before, int[] after) {
        this(label, layer, rect, before, after, layer.edited());
    }

    @Override
    public void undo(CanvasDocument doc) {
        doc.writeRegion(layer, rect, before);
        layer.setEdited(editedBefore);
    }

    @Override
    public void redo(CanvasDocument doc) {
        doc.writeRegion(layer, rect, after);
        layer.setEdited(true);
    }

    @Override
    public long bytes() {
        return 4L * (before.length + after.length);
    }
}
