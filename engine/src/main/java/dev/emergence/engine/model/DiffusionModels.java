package dev.emergence.engine.model;

import dev.emergence.engine.tensor.Tensor;

import java.util.List;
import java.util.Map;

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

        /**
         * The hidden states {@code fromEnd} entries from the end of the encoder's {@code hidden_states}
         * (the embeddings' output, then every layer's, before the final layer norm), as diffusers'
         * {@code hidden_states[-fromEnd]}: 2 is the penultimate layer SDXL conditions on. With them
         * the pooled output, or null when the encoder exports none.
         *
         * @throws ModelException when the export does not give its hidden states or has fewer
         */
        default TextStates encodeStates(int[][] tokenIds, int fromEnd) throws ModelException {
            throw new ModelException("the text encoder does not export its hidden states (hidden_states.N outputs)");
        }

        /** How many {@code hidden_states.N} the export gives (its layers + 1), 0 when none. */
        default int hiddenStateCount() {
            return 0;
        }
    }

    /**
     * One text encoder's states for a batch of windows.
     *
     * @param hidden [B, 77, D]
     * @param pooled [B, P] (CLIP's pooled output, projected when the encoder has a projection), or null
     */
    public record TextStates(Tensor hidden, Tensor pooled) {
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

        /**
         * As {@link #predict(Tensor, double, Tensor)} with the extra inputs a model family adds, by
         * the export's input names, each batched as the sample ({@code text_embeds} [B, 1280] and
         * {@code time_ids} [B, 6] of SDXL, {@code timestep_cond} [B, 256] of LCM).
         */
        default Tensor predict(Tensor sample, double timestep, Tensor encoderHiddenStates, Map<String, Tensor> extraInputs)
                throws ModelException {
            if (!extraInputs.isEmpty()) {
                throw new IllegalArgumentException("this denoiser takes no inputs beyond sample, timestep and encoder_hidden_states; got "
                        + extraInputs.keySet());
            }
            return predict(sample, timestep, encoderHiddenStates);
        }

        /**
         * As {@link #predict(Tensor, double, Tensor, Map)} for a generation's last step: what the UNet keeps
         * for its next run may be given back afterwards (its CPU arena), since the VAE decode comes next.
         */
        default Tensor predictLast(Tensor sample, double timestep, Tensor encoderHiddenStates, Map<String, Tensor> extraInputs)
                throws ModelException {
            return predict(sample, timestep, encoderHiddenStates, extraInputs);
        }

        /**
         * A ControlNet UNet's residual inputs by name, in the order a ControlNet returns its residuals
         * (down blocks 0..N-1, then the mid block); empty for a UNet that takes none. Passed among the
         * extra inputs; left out, they are zero.
         */
        default List<String> residualInputs() {
            return List.of();
        }
    }

    /**
     * A ControlNet: for the latents the UNet is about to denoise and a control picture, the residuals
     * the UNet adds to its down and mid blocks' outputs (diffusers' ControlNetModel).
     */
    public interface ControlNet {
        /**
         * @param sample              [B, 4, h, w] the UNet's scaled latents (without inpainting channels)
         * @param encoderHiddenStates [B, tokens, D], as the UNet gets them
         * @param controlImage        [B, 3, H, W] in [0, 1] at the picture's size
         * @param scale               every residual is multiplied by it (diffusers' conditioning_scale)
         * @return the residuals in order: down blocks 0..N-1, then the mid block, each [B, C, h', w']
         */
        List<Tensor> residuals(Tensor sample, double timestep, Tensor encoderHiddenStates, Tensor controlImage, double scale)
                throws ModelException;

        /** How many residuals it returns: N down blocks plus the mid block (13 for SD 1.5). */
        int residualCount();

        /** How messages name it ("control_sd15_canny/model.onnx"). */
        default String label() {
            return "the ControlNet";
        }
    }

    /**
     * Latents to pixels: takes the latents as the denoiser sees them, [1, 4, h, w] (scaled by the
     * model's latent scaling factor, e.g. 0.18215), and returns pixels [1, 3, H, W] in [-1, 1].
     * The full VAE divides by the scaling factor itself; a tiny TAESD-style decoder takes them as they are.
     */
    public interface LatentDecoder {
        Tensor decode(Tensor latents) throws ModelException;

        /** As {@link #decode(Tensor)}, in overlapping tiles as {@code tiling} asks where the decoder can tile. */
        default Tensor decode(Tensor latents, VaeTiling.Mode tiling) throws ModelException {
            return decode(latents);
        }
    }

    /** VAE encoder: pixels [1, 3, H, W] in [-1, 1] to latents [1, 4, h, w], already multiplied by the scaling factor. */
    public interface ImageEncoder {
        Tensor encode(Tensor pixels) throws ModelException;

        /**
         * As {@link #encode(Tensor)}, drawing the latent distribution's sample from {@code generator}
         * where the export leaves the sampling to the pipeline (as diffusers' pipelines draw it,
         * before the noise); exports that sample in-graph ignore it.
         */
        default Tensor encode(Tensor pixels, dev.emergence.engine.random.TorchGenerator generator) throws ModelException {
            return encode(pixels);
        }

        /** As {@link #encode(Tensor, dev.emergence.engine.random.TorchGenerator)}, in overlapping tiles as {@code tiling} asks where the encoder can tile. */
        default Tensor encode(Tensor pixels, dev.emergence.engine.random.TorchGenerator generator, VaeTiling.Mode tiling)
                throws ModelException {
            return encode(pixels, generator);
        }

        /**
         * One-line remarks for the user about this encoder (that its sample is not reproducible), each
         * handed out once: the first generation that encodes a picture reports them.
         */
        default java.util.List<String> takeNotices() {
            return java.util.List.of();
        }
    }
}
