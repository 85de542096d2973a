package dev.emergence.app.canvas;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A change of the layer stack: which layers there are, in which order, how each is shown, and
 * which one is active. Pixels are not copied: a removed layer keeps its own, held by this edit.
 */
record StackEdit(String label, StackState before, StackState after) implements Edit {
    /** The stack at one moment: paint layers bottom to top with their states, and the active one. */
    record StackState(List<DocLayer> layers, List<DocLayer.State> states, DocLayer active) {
        StackState {
            layers = List.copyOf(layers);
            states = List.copyOf(states);
        }

        static StackState of(List<DocLayer> layers, DocLayer active) {
            return new StackState(layers, layers.stream().map(DocLayer::state).toList(), active);
        }
    }

    @Override
    public void undo(CanvasDocument doc) {
        doc.applyStack(before);
    }

    @Override
    public void redo(CanvasDocument doc) {
        doc.applyStack(after);
    }

    @Override
    public long bytes() {
        // Layers present on one side only are kept alive by this edit.
        Set<DocLayer> a = new HashSet<>(before.layers()), b = new HashSet<>(after.layers());
        long n = 64;
        for (DocLayer l : a) if (!b.contains(l)) n += l.bytes();
        for (DocLayer l : b) if (!a.contains(l)) n += l.bytes();
        return n;
    }
}
