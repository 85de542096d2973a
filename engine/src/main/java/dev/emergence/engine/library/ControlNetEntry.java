package dev.emergence.engine.library;

import java.nio.file.Path;

/**
 * A ControlNet in the library's {@code controlnets} folder: a folder holding the ControlNet's
 * {@code model.onnx} (OnnxStack's ControlNet export), named after the folder.
 */
public record ControlNetEntry(String name, Path folder) {
}
