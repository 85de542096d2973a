package dev.emergence.engine.lora;

import java.nio.file.Path;

/**
 * A LoRA to apply: its file, how messages and pictures name it, and its weights (1 = as trained):
 * {@code weight} on the text encoders, {@code unetWeight} on the UNet, as AUTOMATIC1111's
 * {@code <lora:NAME:te:unet>} gives them.
 */
public record LoraWeight(Path file, String name, double weight, double unetWeight) {
    public LoraWeight {
        if (!Double.isFinite(weight) || !Double.isFinite(unetWeight)) {
            throw new IllegalArgumentException("LoRA weight " + weight + "/" + unetWeight + " is not finite");
        }
    }

    /** One weight for the UNet and the text encoders. */
    public LoraWeight(Path file, String name, double weight) {
        this(file, name, weight, weight);
    }

    /** The weight on one network. */
    public double weightFor(LoraTarget target) {
        return target == LoraTarget.UNET ? unetWeight : weight;
    }
}
