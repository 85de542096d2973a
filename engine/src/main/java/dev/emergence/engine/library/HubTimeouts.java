package dev.emergence.engine.library;

import java.time.Duration;

/**
 * How long the hub and its CDN may take, so that no answer can hold a download forever.
 *
 * <p>An HTTP request's own timeout stops at the response headers; a server may then send its body
 * as slowly as it likes, or not at all. So every read has a limit ({@code read}: nothing arrives for
 * that long and the connection is dropped), and every whole answer a deadline: {@code answer} for an
 * API answer (a file list page is kilobytes), and for a file's content {@code answer} plus the time
 * its remaining bytes take at {@code minimumBytesPerSecond}. The deadline of a file thus scales with
 * its size: with the defaults a 3.4 GB UNet may take up to five days (any working line, even a
 * 64 kbit/s one, is faster) while a server that trickles a byte now and then, just often enough to
 * pass the read limit, is cut off. A cut download resumes where it stopped, so a deadline costs a
 * new request, not the bytes already on disk.
 *
 * @param connect              to open a connection
 * @param read                 the longest wait for the next bytes of any answer
 * @param answer               the deadline of a whole API answer, and the fixed part of a file's
 * @param minimumBytesPerSecond the slowest average a file transfer may keep up
 */
public record HubTimeouts(Duration connect, Duration read, Duration answer, long minimumBytesPerSecond) {
    /** 30 s to connect, 60 s per read, 2 min an API answer, files at 8 KiB/s (64 kbit/s) at least. */
    public static final HubTimeouts DEFAULTS = new HubTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofMinutes(2), 8 * 1024);

    public HubTimeouts {
        if (connect.isNegative() || connect.isZero() || read.isNegative() || read.isZero() || answer.isNegative() || answer.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (minimumBytesPerSecond < 1) throw new IllegalArgumentException("the minimum rate must be 1 byte per second or more");
    }

    /** The deadline of one request for a file of which {@code remaining} bytes are still to come. */
    public Duration fileDeadline(long remaining) {
        long millis = Math.max(0, remaining) / minimumBytesPerSecond * 1000 + Math.max(0, remaining) % minimumBytesPerSecond * 1000 / minimumBytesPerSecond;
        return answer.plusMillis(millis);
    }
}
