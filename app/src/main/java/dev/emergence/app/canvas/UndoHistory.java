package dev.emergence.app.canvas;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Undo and redo stacks under a memory cap: when the edits held exceed it, the oldest undo steps
 * are forgotten (never the newest, so the last change can always be undone).
 */
public final class UndoHistory {
    /** 512 MiB: about 250 full-canvas edits of a 512×512 picture, thousands of ordinary strokes. */
    public static final long DEFAULT_CAP_BYTES = 512L << 20;

    private final Deque<Edit> undo = new ArrayDeque<>();
    private final Deque<Edit> redo = new ArrayDeque<>();
    private final long capBytes;
    private long bytes;

    public UndoHistory(long capBytes) {
        this.capBytes = capBytes;
    }

    public void push(Edit e) {
        undo.push(e);
        bytes += e.bytes();
        for (Edit r : redo) bytes -= r.bytes();
        redo.clear();
        while (bytes > capBytes && undo.size() > 1) {
            bytes -= undo.removeLast().bytes();
        }
    }

    /** The edit to undo, moved onto the redo stack. */
    public Optional<Edit> popUndo() {
        Edit e = undo.poll();
        if (e != null) redo.push(e);
        return Optional.ofNullable(e);
    }

    /** The edit to redo, moved back onto the undo stack. */
    public Optional<Edit> popRedo() {
        Edit e = redo.poll();
        if (e != null) undo.push(e);
        return Optional.ofNullable(e);
    }

    public boolean canUndo() { return !undo.isEmpty(); }

    public boolean canRedo() { return !redo.isEmpty(); }

    public int undoDepth() { return undo.size(); }

    public long bytes() { return bytes; }

    public Optional<String> nextUndoLabel() { return Optional.ofNullable(undo.peek()).map(Edit::label); }

    public Optional<String> nextRedoLabel() { return Optional.ofNullable(redo.peek()).map(Edit::label); }

    public void clear() {
        undo.clear();
        redo.clear();
        bytes = 0;
    }
}
