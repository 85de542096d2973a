package dev.emergence.app.canvas;

import java.util.List;

/**
 * A change of every layer's pixels and the canvas size at once (resize, canvas extended for
 * outpainting, a picture opened as the document): each layer's pixels before and after, with the
 * frame. The stack itself is unchanged (a {@link StackEdit} beside it changes that).
 */
record ReplaceEdit(String label, List<DocLayer> layers, List<Layer> before, List<Layer> after, Rect frameBefore, Rect frameAfter)
        implements Edit {
    ReplaceEdit {
        layers = List.copyOf(layers);
        before = List.copyOf(before);
        after = List.copyOf(after);
    }

    @Override
    public void undo(CanvasDocument doc) {
        doc.replacePixels(layers, before, frameBefore);
    }

    @Override
    public void redo(CanvasDocument doc) {
        doc.replacePixels(layers, after, frameAfter);
    }

    @Override
    public long bytes() {
        long n = 0;
        for (Layer l : before) n += 4L * l.pixels().length;
        for (Layer l : after) n += 4L * l.pixels().length;
        return n;
    }
}
