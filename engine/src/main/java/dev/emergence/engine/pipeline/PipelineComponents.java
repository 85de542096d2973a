package dev.emergence.engine.pipeline;

import dev.emergence.engine.family.ClipConditioner;
import dev.emergence.engine.family.Conditioner;
import dev.emergence.engine.model.DiffusionModels;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.scheduler.SchedulerConfig;
import dev.emergence.engine.text.ClipTokenizer;

/**
 * What a pipeline composes: the model functions and the facts about them it needs. Built from a
 * {@code ModelBundle} in production, from fakes in tests; the pipeline knows nothing of ONNX.
 *
 * @param conditioner     the model family's text conditioning and extra UNet inputs
 * @param imageEncoder    opened on first use: models without a VAE encoder still do txt2img
 * @param vaeScaleFactor  pixels per latent cell (8 for SD)
 * @param unetInChannels  4, or 9 for inpainting models
 * @param fp16            a half-precision export: a non-finite VAE output then comes with the advice to use an fp32 VAE
 */
public record PipelineComponents(
        String modelName,
        Conditioner conditioner,
        DiffusionModels.Denoiser denoiser,
        DiffusionModels.LatentDecoder vaeDecoder,
        ImageEncoderSource imageEncoder,
        SchedulerConfig schedulerConfig,
        int vaeScaleFactor,
        int unetInChannels,
        int latentChannels,
        boolean fp16) {

    /** Components of an SD 1.x/2.x-style model: one CLIP text encoder. */
    public PipelineComponents(String modelName, ClipTokenizer tokenizer, DiffusionModels.TextEncoder textEncoder,
                              DiffusionModels.Denoiser denoiser, DiffusionModels.LatentDecoder vaeDecoder,
                              ImageEncoderSource imageEncoder, SchedulerConfig schedulerConfig,
                              int vaeScaleFactor, int unetInChannels, int latentChannels, boolean fp16) {
        this(modelName, new ClipConditioner(textEncoder, tokenizer), denoiser, vaeDecoder, imageEncoder, schedulerConfig,
                vaeScaleFactor, unetInChannels, latentChannels, fp16);
    }

    /** Components of a full-precision SD 1.x/2.x-style model. */
    public PipelineComponents(String modelName, ClipTokenizer tokenizer, DiffusionModels.TextEncoder textEncoder,
                              DiffusionModels.Denoiser denoiser, DiffusionModels.LatentDecoder vaeDecoder,
                              ImageEncoderSource imageEncoder, SchedulerConfig schedulerConfig,
                              int vaeScaleFactor, int unetInChannels, int latentChannels) {
        this(modelName, tokenizer, textEncoder, denoiser, vaeDecoder, imageEncoder, schedulerConfig,
                vaeScaleFactor, unetInChannels, latentChannels, false);
    }

    /** Gives the VAE encoder, or says why the model has none. */
    @FunctionalInterface
    public interface ImageEncoderSource {
        DiffusionModels.ImageEncoder get() throws ModelException;
    }

    public boolean inpaintingModel() {
        return unetInChannels == 2 * latentChannels + 1;
    }
}
