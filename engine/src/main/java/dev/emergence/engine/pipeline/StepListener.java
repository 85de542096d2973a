package dev.emergence.engine.pipeline;

/** Told about each step, on the engine thread: hand heavy work elsewhere so generation is not slowed. */
@FunctionalInterface
public interface StepListener {
    StepListener NONE = s -> { };

    void onStep(StepSnapshot snapshot);
}
