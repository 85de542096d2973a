package dev.emergence.app.generation;

import java.util.ArrayList;
import java.util.List;

/**
 * Every step of the current (or last) generation, filled by the engine thread while the UI reads
 * it. A generation's latents are small (4 × h/8 × w/8 floats; 150 steps of a 512² picture hold
 * about 20 MB), so all steps are kept and any can be shown again.
 */
public final class StepTimeline {
    private final List<StepRecord> steps = new ArrayList<>();
    private long generation;

    /** Starts a new timeline; steps of an older generation offered later are ignored. */
    public synchronized long reset() {
        steps.clear();
        return ++generation;
    }

    public synchronized void add(long gen, StepRecord r) {
        if (gen == generation) steps.add(r);
    }

    public synchronized int size() {
        return steps.size();
    }

    /** The step at a 0-based index, or null when there is none (yet). */
    public synchronized StepRecord get(int index) {
        return index >= 0 && index < steps.size() ? steps.get(index) : null;
    }

    public synchronized long generation() {
        return generation;
    }
}
