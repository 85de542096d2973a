package dev.emergence.app.generation;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Hands values from a fast producer to a slower consumer, dropping all but the newest: at most
 * one delivery is ever queued on the consumer's executor, so a slow screen never piles up work
 * (and never slows the producer, which only swaps a reference).
 */
public final class LatestWins<T> {
    private final AtomicReference<T> slot = new AtomicReference<>();
    private final Executor executor;
    private final Consumer<? super T> consumer;

    public LatestWins(Executor executor, Consumer<? super T> consumer) {
        this.executor = executor;
        this.consumer = consumer;
    }

    /** Replaces any value not yet delivered; schedules a delivery only if none is pending. */
    public void offer(T value) {
        if (value == null) throw new IllegalArgumentException("null cannot be offered");
        // A delivery is pending exactly while the slot is full, so only the empty→full swap schedules one.
        if (slot.getAndSet(value) == null) executor.execute(this::deliver);
    }

    private void deliver() {
        T v = slot.getAndSet(null);
        if (v != null) consumer.accept(v);
    }

    /** Drops a value not yet delivered (its delivery then does nothing). */
    public void clear() {
        slot.set(null);
    }
}
