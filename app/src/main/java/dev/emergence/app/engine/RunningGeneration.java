package dev.emergence.app.engine;

import dev.emergence.engine.pipeline.GenerationResult;

import java.util.concurrent.CompletableFuture;

/** A generation in flight: its result and its cancel switch. */
public interface RunningGeneration {
    /** Completes with the picture, or exceptionally (cancelled, bad request, model failure). */
    CompletableFuture<GenerationResult> result();

    /** Asks the engine to stop; it does so within one step. */
    void cancel();
}
