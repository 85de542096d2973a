package dev.emergence.engine.library;

import java.nio.file.Path;

/**
 * A LoRA in the library's {@code loras} folder, named in prompts as AUTOMATIC1111 names it:
 * {@code <lora:NAME:weight>}, NAME being the file name without {@code .safetensors}.
 *
 * @param bytes the file's size
 */
public record LoraEntry(String name, Path file, long bytes) {
    /** The extension of the only LoRA format read. */
    public static final String EXTENSION = ".safetensors";
}
