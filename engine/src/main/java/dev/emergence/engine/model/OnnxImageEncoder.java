package dev.emergence.engine.model;

import dev.emergence.engine.tensor.Tensor;

import java.util.Map;

/**
 * The VAE encoder of an ONNX export: {@code sample} [1, 3, H, W] in [-1, 1] to {@code latent_sample}
 * [1, 4, H/8, W/8]. The export already samples the latent distribution (with its own unseeded noise),
 * so its output is used as it is, times the scaling factor, as diffusers' ONNX img2img pipeline does.
 */
final class OnnxImageEncoder implements DiffusionModels.ImageEncoder {
    private final OnnxModel model;
    private final TensorSpec input;
    private final String output;
    private final int latentChannels;
    private final int scaleFactor;
    private final float scaling;

    OnnxImageEncoder(OnnxModel model, int latentChannels, int scaleFactor, double scalingFactor) throws ModelException {
        this.model = model;
        this.latentChannels = latentChannels;
        this.scaleFactor = scaleFactor;
        this.scaling = (float) scalingFactor;
        String expected = "'sample' [B,3,H,W]";
        input = model.requireInput("sample", expected);
        if (input.rank() != 4 || !input.type().isFloat() || (input.isStatic(1) && input.dim(1) != 3) || model.inputs().size() != 1) {
            throw model.error("expected one input like " + expected + ", found " + OnnxModel.describe(model.inputs()));
        }
        output = ImageOutputs.pick(model, "latent_sample", "'latent_sample' [B," + latentChannels + ",h,w]");
    }

    OnnxModel model() {
        return model;
    }

    @Override
    public Tensor encode(Tensor pixels) throws ModelException {
        if (pixels.rank() != 4 || pixels.dim(1) != 3) {
            throw new IllegalArgumentException("expected pixels [B,3,H,W], got " + pixels);
        }
        if (pixels.dim(2) % scaleFactor != 0 || pixels.dim(3) % scaleFactor != 0) {
            throw new IllegalArgumentException("image size " + pixels.dim(3) + "x" + pixels.dim(2)
                    + " is not a multiple of " + scaleFactor);
        }
        Tensor[] latents = new Tensor[pixels.dim(0)];
        for (int i = 0; i < latents.length; i++) {
            Tensor item = pixels.batchItem(i);
            Tensor sample = model.run(Map.of(input.name(), item)).get(output);
            if (sample.rank() != 4 || sample.dim(1) != latentChannels
                    || sample.dim(2) * scaleFactor != item.dim(2) || sample.dim(3) * scaleFactor != item.dim(3)) {
                throw model.error("expected latents [1," + latentChannels + "," + item.dim(2) / scaleFactor + ","
                        + item.dim(3) / scaleFactor + "] for pixels " + item + ", got " + sample);
            }
            latents[i] = sample.scale(scaling);
        }
        return latents.length == 1 ? latents[0] : Tensor.concatBatch(latents);
    }
}
