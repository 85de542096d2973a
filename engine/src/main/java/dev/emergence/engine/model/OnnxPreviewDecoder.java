package dev.emergence.engine.model;

import dev.emergence.engine.tensor.Tensor;

import java.util.Map;

/**
 * A TAESD-style preview decoder: takes the scaled latents as they are (one input, [B, 4, h, w]) and
 * returns pixels in [0, 1], which this maps to [-1, 1] like the other decoders (diffusers'
 * AutoencoderTiny does the same {@code x * 2 - 1}).
 */
final class OnnxPreviewDecoder implements DiffusionModels.LatentDecoder {
    private final OnnxModel model;
    private final TensorSpec input;
    private final String output;
    private final int latentChannels;

    OnnxPreviewDecoder(OnnxModel model, int latentChannels) throws ModelException {
        this.model = model;
        this.latentChannels = latentChannels;
        String expected = "latents [B," + latentChannels + ",h,w]";
        if (model.inputs().size() != 1) {
            throw model.error("expected one input, " + expected + ", found " + OnnxModel.describe(model.inputs()));
        }
        input = model.inputs().get(0);
        if (input.rank() != 4 || !input.type().isFloat() || (input.isStatic(1) && input.dim(1) != latentChannels)) {
            throw model.error("expected one input, " + expected + ", found " + input.describe());
        }
        output = ImageOutputs.pick(model, "sample", "pixels [B,3,H,W] in [0,1]");
    }

    OnnxModel model() {
        return model;
    }

    @Override
    public Tensor decode(Tensor latents) throws ModelException {
        if (latents.rank() != 4 || latents.dim(1) != latentChannels) {
            throw new IllegalArgumentException("expected latents [B," + latentChannels + ",h,w], got " + latents);
        }
        Tensor[] images = new Tensor[latents.dim(0)];
        for (int i = 0; i < images.length; i++) {
            Tensor item = latents.batchItem(i);
            Tensor unit = ImageOutputs.check(model, model.run(Map.of(input.name(), item)).get(output), 3, item);
            float[] d = unit.data();
            float[] signed = new float[d.length];
            for (int k = 0; k < d.length; k++) signed[k] = d[k] * 2f - 1f;
            images[i] = new Tensor(signed, unit.shape());
        }
        return images.length == 1 ? images[0] : Tensor.concatBatch(images);
    }
}
