package dev.emergence.engine.random;

import dev.emergence.engine.tensor.Tensor;

/**
 * PyTorch's CPU random generator (mt19937), reproducing {@code torch.Generator("cpu").manual_seed(s)}
 * and {@code torch.randn(shape, generator=g)} bit for bit, so a seed gives the same initial latents
 * as diffusers.
 */
public final class TorchGenerator implements NoiseGenerator {
    public TorchGenerator(long seed) {
        throw new UnsupportedOperationException("being written");
    }

    /** torch.randn(shape, generator=this) for float32. */
    @Override
    public Tensor randn(int... shape) {
        throw new UnsupportedOperationException("being written");
    }
}
