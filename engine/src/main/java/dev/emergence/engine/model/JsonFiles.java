package dev.emergence.engine.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Reads the JSON files of a model folder (configs, tokenizer files) with one shared reader and
 * one-line errors naming the file. Every file's size is checked before it is read, so a huge or
 * hostile file is refused instead of filling the heap.
 */
public final class JsonFiles {
    /**
     * The one reader of model files. Python's json module, which writes diffusers' and transformers'
     * configs, writes NaN, Infinity and -Infinity (e.g. DPM-Solver's "lambda_min_clipped": -Infinity).
     */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private JsonFiles() {
    }

    /** The shared reader, for documents already in memory (e.g. a tokenizer.json that was size-checked). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Refuses {@code file} when it is larger than {@code maxBytes}; {@code label} names it.
     *
     * @throws ModelException one line naming the file, its size and the bound
     */
    public static void checkSize(Path file, String label, long maxBytes) throws ModelException {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new ModelException(label + ": cannot be read (" + oneLine(e) + ")", e);
        }
        if (size > maxBytes) {
            throw new ModelException(label + ": " + size + " bytes is too large; expected at most " + maxBytes
                    + " bytes (" + (maxBytes >> 20) + " MiB)");
        }
    }

    /** The JSON object in the config file {@code file} (at most {@link ModelLimits#CONFIG_MAX_BYTES}); {@code label} names it in errors. */
    public static JsonNode read(Path file, String label) throws ModelException {
        return read(file, label, ModelLimits.CONFIG_MAX_BYTES);
    }

    /** The JSON object in {@code file}, refused when larger than {@code maxBytes}. */
    public static JsonNode read(Path file, String label, long maxBytes) throws ModelException {
        checkSize(file, label, maxBytes);
        JsonNode node;
        try {
            node = MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelException(label + ": not valid JSON (" + oneLine(e) + ")", e);
        }
        if (node == null || !node.isObject()) throw new ModelException(label + ": expected a JSON object");
        return node;
    }

    /** As {@link #read}, or empty when the file does not exist. */
    public static Optional<JsonNode> readIfPresent(Path file, String label) throws ModelException {
        return Files.isRegularFile(file) ? Optional.of(read(file, label)) : Optional.empty();
    }

    /** A throwable's message on one line (Jackson's with its line and column), for messages shown to users. */
    public static String oneLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        if (t instanceof JsonProcessingException j) {
            // Jackson's own message carries a source description; the line and column are what help.
            m = j.getOriginalMessage();
            if (j.getLocation() != null) m += " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr();
        }
        m = m.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
        return m.length() > 200 ? m.substring(0, 200) + "…" : m;
    }

    /**
     * An integer field in {@code [min, max]}; empty when absent or null.
     *
     * @throws ModelException naming the file and field when it is present but not such an integer
     */
    static OptionalInt integer(Optional<JsonNode> node, String label, String field, int min, int max) throws ModelException {
        JsonNode v = field(node, field);
        if (v == null) return OptionalInt.empty();
        if (!v.isNumber() || !Double.isFinite(v.doubleValue()) || v.doubleValue() != Math.rint(v.doubleValue())
                || v.doubleValue() < min || v.doubleValue() > max) {
            throw new ModelException(label + ": " + field + " is " + shown(v) + "; expected a whole number from " + min + " to " + max);
        }
        return OptionalInt.of((int) v.doubleValue());
    }

    /**
     * A number field in {@code [min, max]}; empty when absent or null.
     *
     * @throws ModelException naming the file and field when it is present but not such a number (NaN and infinities included)
     */
    static OptionalDouble number(Optional<JsonNode> node, String label, String field, double min, double max) throws ModelException {
        JsonNode v = field(node, field);
        if (v == null) return OptionalDouble.empty();
        if (!v.isNumber() || !(v.doubleValue() >= min && v.doubleValue() <= max)) {
            throw new ModelException(label + ": " + field + " is " + shown(v) + "; expected a finite number from " + min + " to " + max);
        }
        return OptionalDouble.of(v.doubleValue());
    }

    /**
     * The length of an array field (e.g. block_out_channels), in {@code [min, max]}; empty when absent or null.
     *
     * @throws ModelException naming the file and field when it is not an array of such a length
     */
    static OptionalInt arrayLength(Optional<JsonNode> node, String label, String field, int min, int max) throws ModelException {
        JsonNode v = field(node, field);
        if (v == null) return OptionalInt.empty();
        if (!v.isArray() || v.size() < min || v.size() > max) {
            String got = v.isArray() ? "a list of " + v.size() + " entries" : shown(v);
            throw new ModelException(label + ": " + field + " is " + got + "; expected a list of " + min + " to " + max + " entries");
        }
        return OptionalInt.of(v.size());
    }

    private static JsonNode field(Optional<JsonNode> node, String field) {
        if (node.isEmpty()) return null;
        JsonNode v = node.get().get(field);
        return v == null || v.isNull() ? null : v;
    }

    private static String shown(JsonNode v) {
        String s = v.isNumber() ? v.asText() : v.toString(); // Jackson's toString quotes NaN and Infinity
        return s.length() > 40 ? s.substring(0, 37) + "..." : s;
    }
}
