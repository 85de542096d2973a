package dev.emergence.engine.control;

import java.awt.image.BufferedImage;

/**
 * Turns the artist's picture into the control picture a ControlNet reads, at the generation's
 * size. The pure-Java ones are {@link PreprocessorKind}'s; those that need a network (depth, line
 * art, pose) will implement this with a small ONNX model of the model library.
 */
public interface ControlPreprocessor {
    /** AUTOMATIC1111's module name ("canny", "none", ...), as pictures record it. */
    String module();

    /** The control picture, opaque RGB, {@code width}×{@code height}. */
    BufferedImage apply(BufferedImage picture, int width, int height);
}
