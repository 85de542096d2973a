package dev.emergence.engine.library;

import java.util.ArrayDeque;

/** Transfer speed over a sliding window: recent enough to follow a changing connection, long enough not to jitter. */
final class RateMeter {
    private final long windowNanos;
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();

    RateMeter(long windowNanos) {
        this.windowNanos = windowNanos;
    }

    /** Records that {@code totalBytes} had been transferred (by this run) at {@code nanos}. */
    synchronized void record(long nanos, long totalBytes) {
        samples.addLast(new long[] {nanos, totalBytes});
        while (samples.size() > 2 && samples.peekFirst()[0] < nanos - windowNanos) samples.removeFirst();
    }

    /** Bytes per second across the window, or 0 until two samples at least 200 ms apart exist. */
    synchronized double bytesPerSecond() {
        if (samples.size() < 2) return 0;
        long[] first = samples.peekFirst(), last = samples.peekLast();
        long dt = last[0] - first[0];
        if (dt < 200_000_000L) return 0;
        return (last[1] - first[1]) * 1e9 / dt;
    }
}
