package dev.emergence.app.canvas;

import java.util.List;

/** Several edits as one undo step (a generation that extends the canvas and adds its layer). */
record CompoundEdit(String label, List<Edit> edits) implements Edit {
    CompoundEdit {
        edits = List.copyOf(edits);
    }

    @Override
    public void undo(CanvasDocument doc) {
        for (int i = edits.size() - 1; i >= 0; i--) edits.get(i).undo(doc);
    }

    @Override
    public void redo(CanvasDocument doc) {
        for (Edit e : edits) e.redo(doc);
    }

    @Override
    public long bytes() {
        return edits.stream().mapToLong(Edit::bytes).sum();
    }
}
