package dev.emergence.engine.model;

import dev.emergence.engine.tensor.Tensor;

/** Output checks shared by the models that return [B, C, H, W] images or latents. */
final class ImageOutputs {
    private ImageOutputs() {
    }

    /** The output called {@code preferred}, or the only output; it must be a rank-4 float tensor. */
    static String pick(OnnxModel model, String preferred, String expectation) throws ModelException {
        TensorSpec out = model.output(preferred).orElse(model.outputs().size() == 1 ? model.outputs().get(0) : null);
        if (out == null || out.rank() != 4 || !out.type().isFloat()) {
            throw model.error("expected an output like " + expectation + ", found " + OnnxModel.describe(model.outputs()));
        }
        return out.name();
    }

    /** Checks a decoder's result: {@code channels} channels and the input's size times a whole factor. */
    static Tensor check(OnnxModel model, Tensor image, int channels, Tensor input) throws ModelException {
        boolean ok = image.rank() == 4 && image.dim(0) == input.dim(0) && image.dim(1) == channels
                && image.dim(2) % input.dim(2) == 0 && image.dim(3) % input.dim(3) == 0
                && image.dim(2) / input.dim(2) == image.dim(3) / input.dim(3);
        if (!ok) throw model.error("expected a [" + input.dim(0) + "," + channels + ",H,W] image for " + input + ", got " + image);
        return image;
    }
}
