package dev.emergence.engine.model;

import dev.emergence.engine.tensor.Tensor;

/**
 * The model functions a pipeline composes, independent of how they run (ONNX Runtime in
 * production, plain Java fakes in pipeline tests). All tensors are float32 NCHW; dtype
 * conversion (fp16, int ids, int64 timesteps) happens behind these methods.
 */
public final class DiffusionModels {
    private DiffusionModels() {
    }

    /** CLIP-style text encoder: token ids [B, 77] to last_hidden_state [B, 77, D]. */
    public interface TextEncoder {
        Tensor encode(int[][] tokenIds) throws ModelException;
    }

    /** Denoising UNet: predicts epsilon (or v) for a batch of latents at one timestep. */
    public interface Denoiser {
        /**
         * @param sample              [B, C, h, w] latents (C = 4, or 9 for inpainting models)
         * @param timestep            the diffusers timestep (0..999), converted to the model's dtype
         * @param encoderHiddenStates [B, tokens, D]
         * @return [B, 4, h, w]
         */
        Tensor predict(Tensor sample, double timestep, Tensor encoderHiddenStates) throws ModelException;
    }

    /**
     * Latents to pixels: takes the latents as the denoiser sees them, [1, 4, h, w] (scaled by the
     * model's latent scaling factor, e.g. 0.18215), and returns pixels [1, 3, H, W] in [-1, 1].
     * The full VAE divides by the scaling factor itself; a tiny TAESD-style decoder takes them as they are.
     */
    public interface LatentDecoder {
        Tensor decode(Tensor latents) throws ModelException;
    }

    /** VAE encoder: pixels [1, 3, H, W] in [-1, 1] to latents [1, 4, h, w], already multiplied by the scaling factor. */
    public interface ImageEncoder {
        Tensor encode(Tensor pixels) throws ModelException;
    }
}
