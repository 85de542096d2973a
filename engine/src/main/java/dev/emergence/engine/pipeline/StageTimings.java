package dev.emergence.engine.pipeline;

/**
 * Wall-clock time per stage of one generation, in nanoseconds.
 *
 * @param unetNanos       the denoiser model calls (all steps, guidance batch included)
 * @param schedulerNanos  scheduler steps and guidance arithmetic
 * @param stepNanos       each step's total (model + guidance + scheduler + snapshot), in order
 */
public record StageTimings(long tokenizeNanos, long textEncodeNanos, long imageEncodeNanos,
                           long unetNanos, long schedulerNanos, long decodeNanos, long[] stepNanos) {
}
