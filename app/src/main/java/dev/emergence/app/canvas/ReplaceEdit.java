package dev.emergence.app.canvas;

import java.util.List;

/**
 * A change of every layer's pixels and the canvas size at once (resize, canvas extended for
 * outpainting, a picture opened as the document): each layer's pixels before and after, with the
 * frame. The stack itself is unchanged (a {@link StackEdit} beside it changes that).
 */
record ReplaceEdit(String label, List<DocLayer> layers, List<Layer> before, List<Layer> after, Rect frameBefore, Rect frameAfter,
                   int shiftX, int shiftY)
        implements Edit {
    /** A replacement that keeps the origin (a resize, a picture opened as the document). */
    ReplaceEdit(String label, List<DocLayer> layers, List<Layer> before, List<Layer> after, Rect frameBefore, Rect frameAfter) {
        this(label, layers, before, after, frameBefore, frameAfter, 0, 0);
    }

    ReplaceEdit {
        layers = List.copyOf(layers);
        before = List.copyOf(before);
        after = List.copyOf(after);
    }

    @Override
    public void undo(CanvasDocument doc) {
        doc.replacePixels(layers, before, frameBefore);
        doc.shiftOrigin(-shiftX, -shiftY);
    }

    @Override
    public void redo(CanvasDocument doc) {
        doc.replacePixels(layers, after, frameAfter);
        doc.shiftOrigin(shiftX, shiftY);
    }

    @Override
    public long bytes() {
        long n = 0;
        for (Layer l : before) n += 4L * l.pixels().length;
        for (Layer l : after) n += 4L * l.pixels().length;
        return n;
    }
}
