package dev.emergence.engine.model;

import ai.onnxruntime.OnnxTensor;

import java.util.Map;
import java.util.Set;

/**
 * Weights to use in place of a graph's own initializers of the same names (merged LoRAs). ONNX Runtime
 * takes those the graph keeps in external data through {@code addExternalInitializers} and those it
 * holds inline through {@code addInitializer} (it refuses to replace an inline one as external).
 *
 * @param tensors  by initializer name; whoever holds this record owns them
 * @param external the names among them whose data the graph keeps in external files
 */
public record WeightOverrides(Map<String, OnnxTensor> tensors, Set<String> external) {
    public static final WeightOverrides NONE = new WeightOverrides(Map.of(), Set.of());

    public WeightOverrides {
        tensors = Map.copyOf(tensors);
        external = Set.copyOf(external);
    }

    /** Releases the tensors. */
    void close() {
        tensors.values().forEach(OnnxTensor::close);
    }
}
