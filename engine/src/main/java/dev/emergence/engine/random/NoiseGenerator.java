package dev.emergence.engine.random;

import dev.emergence.engine.tensor.Tensor;

/** A source of standard normal noise, consumed in order (initial latents, then per-step noise of ancestral schedulers). */
public interface NoiseGenerator {
    /** A fresh tensor of standard normal samples, like {@code torch.randn(shape, generator=g)}. */
    Tensor randn(int... shape);
}
