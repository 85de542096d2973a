package dev.emergence.engine.pipeline;

/** Told about each step, on the engine thread: hand heavy work elsewhere so generation is not slowed. */
@FunctionalInterface
public interface StepListener {
    StepListener NONE = s -> { };

    void onStep(StepSnapshot snapshot);

    /**
     * Told about work before the first step that can take a while (merging LoRAs into the sessions):
     * {@code done} of {@code total} parts of {@code what}.
     */
    default void onPreparing(String what, int done, int total) {
    }
}
