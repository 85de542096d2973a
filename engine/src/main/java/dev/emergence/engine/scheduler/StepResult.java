package dev.emergence.engine.scheduler;

import dev.emergence.engine.tensor.Tensor;

/**
 * What one scheduler step produced.
 *
 * @param prevSample          the latent to feed into the next step
 * @param predOriginalSample  the model's estimate of the clean latent x0 at this step (the "jump"),
 *                            in the same (unscaled) latent space as {@code prevSample}
 */
public record StepResult(Tensor prevSample, Tensor predOriginalSample) {
}
