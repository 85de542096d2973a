package dev.emergence.engine.lora;

import java.nio.file.Path;

/**
 * A LoRA to apply: its file, how messages and pictures name it, and its weight (1 = as trained).
 */
public record LoraWeight(Path file, String name, double weight) {
    public LoraWeight {
        if (!Double.isFinite(weight)) throw new IllegalArgumentException("LoRA weight " + weight + " is not finite");
    }
}
