package dev.emergence.engine.model;

import dev.emergence.engine.tensor.Tensor;

import java.util.Map;

/**
 * The VAE decoder of an ONNX export: {@code latent_sample} [1, 4, h, w] (unscaled) to {@code sample}
 * [1, 3, 8h, 8w] in [-1, 1]. It divides the denoiser's latents by the scaling factor itself and
 * decodes one image at a time, as diffusers' ONNX pipelines do (batched fp16 decoding goes wrong there).
 * Latents larger than the VAE's tile are decoded in overlapping tiles when {@link VaeTiling} says so.
 */
final class OnnxVaeDecoder implements DiffusionModels.LatentDecoder {
    private final OnnxModel model;
    private final TensorSpec input;
    private final String output;
    private final int latentChannels;
    private final float inverseScaling;
    private final VaeTiling tiling;

    OnnxVaeDecoder(OnnxModel model, int latentChannels, double scalingFactor, VaeTiling tiling) throws ModelException {
        this.model = model;
        this.tiling = tiling;
        this.latentChannels = latentChannels;
        // diffusers: latents = 1 / 0.18215 * latents, a float32 multiply by the rounded reciprocal
        this.inverseScaling = (float) (1.0 / scalingFactor);
        String expected = "'latent_sample' [B," + latentChannels + ",h,w]";
        input = model.requireInput("latent_sample", expected);
        if (input.rank() != 4 || !input.type().isFloat() || (input.isStatic(1) && input.dim(1) != latentChannels)
                || model.inputs().size() != 1) {
            throw model.error("expected one input like " + expected + ", found " + OnnxModel.describe(model.inputs()));
        }
        output = ImageOutputs.pick(model, "sample", "'sample' [B,3,H,W]");
    }

    OnnxModel model() {
        return model;
    }

    /** The tiles this VAE decodes large latents in (its encoder's too: they share the config). */
    VaeTiling tiling() {
        return tiling;
    }

    @Override
    public Tensor decode(Tensor latents) throws ModelException {
        return decode(latents, VaeTiling.Mode.AUTO);
    }

    @Override
    public Tensor decode(Tensor latents, VaeTiling.Mode mode) throws ModelException {
        if (latents.rank() != 4 || latents.dim(1) != latentChannels) {
            throw new IllegalArgumentException("expected latents [B," + latentChannels + ",h,w], got " + latents);
        }
        Tensor[] images = new Tensor[latents.dim(0)];
        for (int i = 0; i < images.length; i++) {
            Tensor unscaled = latents.batchItem(i).scale(inverseScaling);
            images[i] = tiling.applies(mode, unscaled.dim(2), unscaled.dim(3))
                    ? tiling.decode(unscaled, this::decodeOne) : decodeOne(unscaled);
        }
        return images.length == 1 ? images[0] : Tensor.concatBatch(images);
    }

    private Tensor decodeOne(Tensor unscaled) throws ModelException {
        return ImageOutputs.check(model, model.run(Map.of(input.name(), unscaled)).get(output), 3, unscaled);
    }
}
