package dev.emergence.engine.pipeline;

import java.util.concurrent.CancellationException;

/** Set from any thread; the pipeline checks it between model calls and stops with {@link CancellationException}. */
public final class CancellationToken {
    private volatile boolean cancelled;

    public void cancel() { cancelled = true; }

    public boolean isCancelled() { return cancelled; }

    public void throwIfCancelled() {
        if (cancelled) throw new CancellationException("generation cancelled");
    }
}
