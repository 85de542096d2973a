package dev.emergence.engine.model;

import dev.emergence.engine.random.TorchGenerator;
import dev.emergence.engine.tensor.Tensor;

import java.util.Map;

/**
 * The VAE encoder of an ONNX export: {@code sample} [1, 3, H, W] in [-1, 1] to either
 * <ul>
 *   <li>{@code latent_sample} [1, 4, H/8, W/8] (diffusers' converter and older optimum): the export
 *       samples the latent distribution itself, with its own unseeded noise, so its output is used
 *       as it is, times the scaling factor, as diffusers' ONNX img2img pipeline does; or</li>
 *   <li>{@code latent_parameters} [1, 8, H/8, W/8] (current optimum): the distribution's mean and
 *       log-variance, sampled here as diffusers' DiagonalGaussianDistribution samples them, with the
 *       generation's generator (mean + exp(logvar/2)·randn, logvar clamped to [−30, 20]), so img2img
 *       reproduces diffusers' own pipelines seed for seed.</li>
 * </ul>
 */
final class OnnxImageEncoder implements DiffusionModels.ImageEncoder {
    private final OnnxModel model;
    private final TensorSpec input;
    private final String output;
    private final boolean parameters;
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
        if (model.output("latent_parameters").isPresent()) {
            output = ImageOutputs.pick(model, "latent_parameters", "'latent_parameters' [B," + 2 * latentChannels + ",h,w]");
            parameters = true;
        } else {
            output = ImageOutputs.pick(model, "latent_sample", "'latent_sample' [B," + latentChannels + ",h,w]"
                    + " or 'latent_parameters' [B," + 2 * latentChannels + ",h,w]");
            parameters = false;
        }
    }

    OnnxModel model() {
        return model;
    }

    @Override
    public Tensor encode(Tensor pixels) throws ModelException {
        return encode(pixels, null);
    }

    @Override
    public Tensor encode(Tensor pixels, TorchGenerator generator) throws ModelException {
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
            if (parameters) sample = sampleOf(sample, item, generator);
            if (sample.rank() != 4 || sample.dim(1) != latentChannels
                    || sample.dim(2) * scaleFactor != item.dim(2) || sample.dim(3) * scaleFactor != item.dim(3)) {
                throw model.error("expected latents [1," + latentChannels + "," + item.dim(2) / scaleFactor + ","
                        + item.dim(3) / scaleFactor + "] for pixels " + item + ", got " + sample);
            }
            latents[i] = sample.scale(scaling);
        }
        return latents.length == 1 ? latents[0] : Tensor.concatBatch(latents);
    }

    /** A sample of the distribution whose [1, 2C, h, w] parameters are given; its mean without a generator. */
    private Tensor sampleOf(Tensor params, Tensor item, TorchGenerator generator) throws ModelException {
        if (params.rank() != 4 || params.dim(1) != 2 * latentChannels) {
            throw model.error("expected latent_parameters [1," + 2 * latentChannels + ",h,w] (mean and log-variance) for pixels "
                    + item + ", got " + params);
        }
        int n = latentChannels * params.dim(2) * params.dim(3);
        float[] p = params.data(), out = java.util.Arrays.copyOf(p, n);
        if (generator != null) {
            float[] noise = generator.randn(1, latentChannels, params.dim(2), params.dim(3)).data();
            for (int i = 0; i < n; i++) {
                float logvar = Math.min(20f, Math.max(-30f, p[n + i]));
                float std = (float) Math.exp(0.5f * logvar);
                out[i] = p[i] + std * noise[i];
            }
        }
        return new Tensor(out, 1, latentChannels, params.dim(2), params.dim(3));
    }
}
