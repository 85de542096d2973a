package dev.emergence.app.generation;

import dev.emergence.engine.pipeline.GenerationResult;
import javafx.scene.image.Image;

import java.nio.file.Path;

/**
 * A finished generation, ready to show: already written to {@code file} (null only when writing
 * failed, with the reason in {@code saveError}).
 */
public record Finished(GenerationResult result, Path file, Image image, Image thumbnail, String saveError) {
}
