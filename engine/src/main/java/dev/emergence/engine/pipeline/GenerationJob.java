package dev.emergence.engine.pipeline;

import java.util.concurrent.CompletableFuture;

/** A generation submitted to the {@link Engine}: its future result and its cancel switch. */
public final class GenerationJob {
    private final CompletableFuture<GenerationResult> result;
    private final CancellationToken token;

    GenerationJob(CompletableFuture<GenerationResult> result, CancellationToken token) {
        this.result = result;
        this.token = token;
    }

    /** Completes with the picture, or exceptionally (cancelled, bad request, model failure). */
    public CompletableFuture<GenerationResult> result() { return result; }

    /** Asks the engine to stop; it does so before the next model call. */
    public void cancel() { token.cancel(); }

    public boolean isCancelRequested() { return token.isCancelled(); }
}
