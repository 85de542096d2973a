package dev.emergence.app.canvas;

/** One undoable change of the document: a command that undo and redo replay. */
public interface Edit {
    /** Puts the document back as it was before the change. */
    void undo(CanvasDocument doc);

    /** Makes the change again. */
    void redo(CanvasDocument doc);

    /** Memory this edit holds, counted against the history's cap. */
    long bytes();

    /** What the change was, for the undo menu ("brush stroke", "invert mask"). */
    String label();
}
