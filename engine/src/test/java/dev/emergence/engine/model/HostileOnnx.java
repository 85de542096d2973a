package dev.emergence.engine.model;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds ONNX files byte by byte in the protobuf wire format (field numbers from ONNX's onnx.proto),
 * for tests that need a graph naming external data of their choosing: an absolute path, a climb out
 * of the folder, a location hidden in a subgraph or a function. The engine checks such graphs before
 * ONNX Runtime sees them, so they need not be runnable.
 */
public final class HostileOnnx {
    private HostileOnnx() {
    }

    /** A TensorProto named {@code name}: float [1], its data in the external file {@code location}. */
    public static byte[] externalTensor(String name, String location) {
        return concat(
                varintField(1, 1),                      // dims
                varintField(2, 1),                      // data_type FLOAT
                bytesField(8, utf8(name)),              // name
                bytesField(13, entry("location", location)),
                bytesField(13, entry("offset", "0")),
                bytesField(13, entry("length", "4")),
                varintField(14, 1));                    // data_location EXTERNAL
    }

    /** A TensorProto with its data inline: harmless. */
    public static byte[] inlineTensor(String name) {
        return concat(varintField(1, 1), varintField(2, 1), bytesField(8, utf8(name)), bytesField(9, new byte[4]));
    }

    /** A GraphProto holding {@code initializers} (TensorProto bytes) and {@code nodes} (NodeProto bytes). */
    public static byte[] graph(byte[][] nodes, byte[]... initializers) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] n : nodes) out.writeBytes(bytesField(1, n));
        out.writeBytes(bytesField(2, utf8("g")));
        for (byte[] t : initializers) out.writeBytes(bytesField(5, t));
        return out.toByteArray();
    }

    /** A GraphProto with one sparse initializer whose values are {@code values}. */
    public static byte[] graphWithSparse(byte[] values) {
        return concat(bytesField(2, utf8("g")), bytesField(15, concat(bytesField(1, values), bytesField(2, inlineTensor("idx")), varintField(3, 1))));
    }

    /** An If node whose then_branch attribute (g) is {@code body}. */
    public static byte[] ifNode(byte[] body) {
        byte[] attribute = concat(bytesField(1, utf8("then_branch")), bytesField(6, body), varintField(20, 5)); // type GRAPH
        return concat(bytesField(1, utf8("cond")), bytesField(2, utf8("out")), bytesField(4, utf8("If")), bytesField(5, attribute));
    }

    /** A Constant node whose value attribute (t) is {@code tensor}. */
    public static byte[] constantNode(byte[] tensor) {
        byte[] attribute = concat(bytesField(1, utf8("value")), bytesField(5, tensor), varintField(20, 4)); // type TENSOR
        return concat(bytesField(2, utf8("c")), bytesField(4, utf8("Constant")), bytesField(5, attribute));
    }

    /** A ModelProto around {@code graph}, with {@code functions} (FunctionProto bytes). */
    public static byte[] model(byte[] graph, byte[]... functions) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(varintField(1, 8));                                               // ir_version
        out.writeBytes(bytesField(2, utf8("hostile-test")));                             // producer_name
        out.writeBytes(bytesField(8, concat(bytesField(1, utf8("")), varintField(2, 17)))); // opset_import
        out.writeBytes(bytesField(7, graph));
        for (byte[] f : functions) out.writeBytes(bytesField(25, f));
        return out.toByteArray();
    }

    /** A FunctionProto with {@code nodes}. */
    public static byte[] function(byte[]... nodes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytesField(1, utf8("f")));
        for (byte[] n : nodes) out.writeBytes(bytesField(7, n));
        out.writeBytes(bytesField(10, utf8("test")));
        return out.toByteArray();
    }

    /** A model whose main graph's one initializer keeps its data in {@code location}. */
    public static byte[] withExternal(String location) {
        return model(graph(new byte[0][], externalTensor("w", location)));
    }

    static byte[] entry(String key, String value) {
        return concat(bytesField(1, utf8(key)), bytesField(2, utf8(value)));
    }

    public static byte[] bytesField(int field, byte[] content) {
        return concat(varint((long) field << 3 | 2), varint(content.length), content);
    }

    public static byte[] varintField(int field, long value) {
        return concat(varint((long) field << 3), varint(value));
    }

    public static byte[] varint(long v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return out.toByteArray();
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
