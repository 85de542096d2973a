package dev.emergence.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/** Reads the small JSON configuration files of a model folder, with one-line errors naming the file. */
final class JsonFiles {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonFiles() {
    }

    /** The JSON object in {@code file}; {@code label} names it in errors. */
    static JsonNode read(Path file, String label) throws ModelException {
        JsonNode node;
        try {
            node = MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new ModelException(label + ": not valid JSON (" + why + ")", e);
        }
        if (node == null || !node.isObject()) throw new ModelException(label + ": expected a JSON object");
        return node;
    }

    /** As {@link #read}, or empty when the file does not exist. */
    static Optional<JsonNode> readIfPresent(Path file, String label) throws ModelException {
        return Files.isRegularFile(file) ? Optional.of(read(file, label)) : Optional.empty();
    }

    static OptionalInt integer(Optional<JsonNode> node, String field) {
        if (node.isEmpty()) return OptionalInt.empty();
        JsonNode v = node.get().get(field);
        return v != null && v.canConvertToInt() && v.isIntegralNumber() ? OptionalInt.of(v.intValue()) : OptionalInt.empty();
    }

    static OptionalDouble number(Optional<JsonNode> node, String field) {
        if (node.isEmpty()) return OptionalDouble.empty();
        JsonNode v = node.get().get(field);
        return v != null && v.isNumber() ? OptionalDouble.of(v.doubleValue()) : OptionalDouble.empty();
    }

    static Optional<String> text(Optional<JsonNode> node, String field) {
        if (node.isEmpty()) return Optional.empty();
        JsonNode v = node.get().get(field);
        return v != null && v.isTextual() ? Optional.of(v.textValue()) : Optional.empty();
    }

    /** The length of an array field, e.g. block_out_channels. */
    static OptionalInt arrayLength(Optional<JsonNode> node, String field) {
        if (node.isEmpty()) return OptionalInt.empty();
        JsonNode v = node.get().get(field);
        return v != null && v.isArray() ? OptionalInt.of(v.size()) : OptionalInt.empty();
    }
}
