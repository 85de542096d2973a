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
 * @param controlDenoiser the UNet that takes ControlNet residuals, opened on first use; it says why when the model has none
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
        boolean fp16,
        DenoiserSource controlDenoiser) {

    /** Components without a ControlNet UNet. */
    public PipelineComponents(String modelName, Conditioner conditioner, DiffusionModels.Denoiser denoiser,
                              DiffusionModels.LatentDecoder vaeDecoder, ImageEncoderSource imageEncoder,
                              SchedulerConfig schedulerConfig, int vaeScaleFactor, int unetInChannels, int latentChannels,
                              boolean fp16) {
        this(modelName, conditioner, denoiser, vaeDecoder, imageEncoder, schedulerConfig, vaeScaleFactor, unetInChannels,
                latentChannels, fp16, residualUnetOr(denoiser, modelName));
    }

    /** The denoiser itself when it takes ControlNet residuals, else a source that says the model has no ControlNet UNet. */
    private static DenoiserSource residualUnetOr(DiffusionModels.Denoiser denoiser, String modelName) {
        return () -> {
            if (!denoiser.residualInputs().isEmpty()) return denoiser;
            throw new ModelException(modelName + ": has no ControlNet UNet; expected a UNet with inputs down_block_N_additional_residual "
                    + "and mid_block_additional_residual");
        };
    }

    /** Gives a UNet, or says why the model has none. */
    @FunctionalInterface
    public interface DenoiserSource {
        DiffusionModels.Denoiser get() throws ModelException;
    }

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
