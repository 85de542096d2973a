package dev.emergence.engine.lora;

import ai.onnxruntime.platform.Fp16Conversions;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code .safetensors} file: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and {@code data_offsets} [begin, end) into the data that follows, then the
 * data. The header is checked whole when the file is opened (offsets inside the file, no overlaps,
 * sizes that fit the shapes, dtypes F16, BF16 or F32); a tensor's bytes are mapped only when read.
 * Owns the open file.
 */
public final class SafeTensors implements AutoCloseable {
    /** safetensors' own limit on the header. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Map<String, Integer> WIDTHS = Map.of("F16", 2, "BF16", 2, "F32", 4);

    /**
     * One tensor of the file.
     *
     * @param begin where its bytes start, counted from the start of the data (after the header)
     * @param end   one past its last byte, likewise
     */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        public Entry {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public long elementCount() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }

        public int rank() {
            return shape.length;
        }

        public long dim(int i) {
            return shape[i];
        }
    }

    private final FileChannel channel;
    private final String label;
    private final long dataStart;
    private final Map<String, Entry> entries;

    private SafeTensors(FileChannel channel, String label, long dataStart, Map<String, Entry> entries) {
        this.channel = channel;
        this.label = label;
        this.dataStart = dataStart;
        this.entries = entries;
    }

    /**
     * Opens and checks {@code file}.
     *
     * @param label how messages name the file, e.g. "style.safetensors"
     */
    public static SafeTensors open(Path file, String label) throws LoraException {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new LoraException(label + ": cannot be read (" + e.getMessage() + ")", e);
        }
        try {
            long size = channel.size();
            if (size < 8) throw new LoraException(label + ": is " + size + " bytes; expected a safetensors file (8-byte header length, JSON header, data)");
            ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, head, 0);
            long headerLength = head.getLong(0);
            if (headerLength < 0 || headerLength > size - 8) {
                throw new LoraException(label + ": its header length " + Long.toUnsignedString(headerLength) + " runs past the end of the file ("
                        + size + " bytes); expected a safetensors file");
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw new LoraException(label + ": its header is " + headerLength + " bytes; expected at most " + MAX_HEADER_BYTES);
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            long dataStart = 8 + headerLength;
            Map<String, Entry> entries = parseHeader(header.array(), size - dataStart, label);
            return new SafeTensors(channel, label, dataStart, entries);
        } catch (LoraException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new LoraException(label + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }

    private static Map<String, Entry> parseHeader(byte[] header, long dataBytes, String label) throws LoraException {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (IOException e) {
            throw new LoraException(label + ": its header is not valid JSON (" + firstLine(e.getMessage()) + ")", e);
        }
        if (root == null || !root.isObject()) throw new LoraException(label + ": its header is not a JSON object; expected {name: {dtype, shape, data_offsets}}");
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            if (name.equals("__metadata__")) continue;
            entries.put(name, entry(name, field.getValue(), dataBytes, label));
        }
        List<Entry> byOffset = new ArrayList<>(entries.values());
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        for (int i = 1; i < byOffset.size(); i++) {
            Entry a = byOffset.get(i - 1), b = byOffset.get(i);
            if (b.begin() < a.end() && b.end() > b.begin()) {
                throw new LoraException(label + ": tensors '" + a.name() + "' [" + a.begin() + "," + a.end() + ") and '" + b.name() + "' ["
                        + b.begin() + "," + b.end() + ") overlap; expected each tensor's bytes apart");
            }
        }
        return entries;
    }

    private static Entry entry(String name, JsonNode node, long dataBytes, String label) throws LoraException {
        String what = label + ": tensor '" + name + "'";
        if (!node.isObject()) throw new LoraException(what + " is not an object; expected {dtype, shape, data_offsets}");
        JsonNode dtype = node.get("dtype"), shape = node.get("shape"), offsets = node.get("data_offsets");
        if (dtype == null || !dtype.isTextual()) throw new LoraException(what + " has no dtype; expected F16, BF16 or F32");
        Integer width = WIDTHS.get(dtype.asText());
        if (width == null) throw new LoraException(what + " has dtype " + dtype.asText() + "; expected F16, BF16 or F32");
        if (shape == null || !shape.isArray() || shape.size() > 8) throw new LoraException(what + " has no shape; expected a list of up to 8 sizes");
        long[] dims = new long[shape.size()];
        long elements = 1;
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0 || d.asLong() > (1L << 40)) {
                throw new LoraException(what + " has shape " + shape + "; expected sizes from 0 to 2^40");
            }
            dims[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, dims[i]);
            } catch (ArithmeticException overflow) {
                elements = Long.MAX_VALUE;
            }
            if (elements > (1L << 40)) throw new LoraException(what + " has shape " + shape + "; expected at most 2^40 elements");
        }
        if (offsets == null || !offsets.isArray() || offsets.size() != 2 || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
            throw new LoraException(what + " has no data_offsets; expected [begin, end]");
        }
        long begin = offsets.get(0).asLong(), end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > dataBytes || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw new LoraException(what + " has data_offsets " + offsets + ", outside the file's " + dataBytes + " data bytes");
        }
        if (end - begin != elements * width) {
            throw new LoraException(what + " has data_offsets " + offsets + " (" + (end - begin) + " bytes); its shape " + shape
                    + " in " + dtype.asText() + " needs " + elements * width);
        }
        return new Entry(name, dtype.asText(), dims, begin, end);
    }

    public String label() {
        return label;
    }

    /** Every tensor by name, in header order. */
    public Map<String, Entry> entries() {
        return java.util.Collections.unmodifiableMap(entries);
    }

    /** A tensor's values widened to float; only its own bytes are mapped. */
    public float[] read(String name) throws LoraException {
        Entry e = entries.get(name);
        if (e == null) throw new IllegalArgumentException(label + " has no tensor '" + name + "'");
        long bytes = e.end() - e.begin();
        if (bytes > Integer.MAX_VALUE) throw new LoraException(label + ": tensor '" + name + "' is " + bytes + " bytes; expected under 2 GiB");
        ByteBuffer data;
        try {
            data = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), bytes).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException ex) {
            throw new LoraException(label + ": cannot read tensor '" + name + "' (" + ex.getMessage() + ")", ex);
        }
        int n = (int) e.elementCount();
        float[] out = new float[n];
        switch (e.dtype()) {
            case "F32" -> data.asFloatBuffer().get(out);
            case "F16" -> { for (int i = 0; i < n; i++) out[i] = Fp16Conversions.fp16ToFloat(data.getShort(2 * i)); }
            default -> { for (int i = 0; i < n; i++) out[i] = Fp16Conversions.bf16ToFloat(data.getShort(2 * i)); }
        }
        return out;
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            if (channel.read(into, position + into.position()) < 0) throw new IOException("unexpected end of file");
        }
    }

    private static String firstLine(String message) {
        String m = String.valueOf(message);
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing useful to do when releasing fails
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}
