package dev.emergence.engine.model;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes tiny ONNX models whose output is NaN or infinite (and one with a CUDA-only operator), byte by byte in the ONNX protobuf wire
 * format (onnx/onnx.proto: ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto), so the
 * tests can make a broken model themselves without Python.
 */
public final class NonFiniteGraphs {
    private static final int FLOAT = 1;
    private static final int INT64 = 7;

    private NonFiniteGraphs() {
    }

    /**
     * A VAE decoder as diffusers exports it: {@code latent_sample} float [B, 4, h, w] to {@code sample}
     * [B, 3, 8h, 8w] (nearest 8× upsampling of the first three latent channels), every value
     * multiplied by {@code value}: {@link Float#NaN} or an infinity gives non-finite pixels.
     */
    public static Path vaeDecoder(Path file, float value) throws IOException {
        Proto graph = new Proto()
                .message(1, node("Resize", new String[] {"latent_sample", "", "scales"}, "up", new Proto().string(1, "mode").bytes(4, "nearest".getBytes(StandardCharsets.UTF_8)).varint(20, 3)))
                .message(1, node("Slice", new String[] {"up", "starts", "ends", "axes"}, "rgb", null))
                .message(1, node("Mul", new String[] {"rgb", "value"}, "sample", null))
                .string(2, "non_finite_vae_decoder")
                .message(5, floats("scales", new long[] {4}, 1, 1, 8, 8))
                .message(5, longs("starts", 0))
                .message(5, longs("ends", 3))
                .message(5, longs("axes", 1))
                .message(5, floats("value", new long[0], value))
                .message(11, valueInfo("latent_sample", new Object[] {"batch", 4L, "height", "width"}))
                .message(12, valueInfo("sample", new Object[] {"batch", 3L, "out_height", "out_width"}));
        Proto model = new Proto()
                .varint(1, 8) // ir_version
                .string(2, "emergence-tests") // producer_name
                .message(7, graph)
                .message(8, new Proto().string(1, "").varint(2, 14)); // opset_import
        Files.createDirectories(file.getParent());
        return Files.write(file, model.bytes());
    }

    /**
     * A one-node model using {@code com.microsoft}'s GroupNorm, a fused operator that Olive's
     * optimised Stable Diffusion exports use and that ONNX Runtime implements only for CUDA:
     * {@code x} float [1, 4, 4, 8] (NHWC) to {@code y}.
     */
    public static Path cudaOnlyOperator(Path file) throws IOException {
        Proto groupNorm = node("GroupNorm", new String[] {"x", "gamma", "beta"}, "y", new Proto().string(1, "groups").varint(3, 2).varint(20, 2))
                .message(5, new Proto().string(1, "activation").varint(3, 0).varint(20, 2))
                .message(5, new Proto().string(1, "epsilon").fixed32(2, 1e-5f).varint(20, 1))
                .string(7, "com.microsoft");
        Proto graph = new Proto()
                .message(1, groupNorm)
                .string(2, "fused_group_norm")
                .message(5, floats("gamma", new long[] {8}, 1, 1, 1, 1, 1, 1, 1, 1))
                .message(5, floats("beta", new long[] {8}, 0, 0, 0, 0, 0, 0, 0, 0))
                .message(11, valueInfo("x", new Object[] {1L, 4L, 4L, 8L}))
                .message(12, valueInfo("y", new Object[] {1L, 4L, 4L, 8L}));
        Proto model = new Proto()
                .varint(1, 8)
                .string(2, "emergence-tests")
                .message(7, graph)
                .message(8, new Proto().string(1, "").varint(2, 14))
                .message(8, new Proto().string(1, "com.microsoft").varint(2, 1));
        Files.createDirectories(file.getParent());
        return Files.write(file, model.bytes());
    }

    /**
     * A UNet-shaped model with the inputs diffusers' exports have ({@code sample} [B, 4, h, w],
     * {@code timestep} [B], {@code encoder_hidden_states} [B, 77, 768]) plus {@code extra} float
     * [B, 8] inputs; {@code out_sample} is the sample itself.
     */
    public static Path unetWithExtraInputs(Path file, String... extra) throws IOException {
        Proto graph = new Proto()
                .message(1, node("Identity", new String[] {"sample"}, "out_sample", null))
                .string(2, "unet_with_extra_inputs")
                .message(11, valueInfo("sample", new Object[] {"batch", 4L, "height", "width"}))
                .message(11, valueInfo("timestep", new Object[] {"batch"}))
                .message(11, valueInfo("encoder_hidden_states", new Object[] {"batch", 77L, 768L}));
        for (String name : extra) graph.message(11, valueInfo(name, new Object[] {"batch", 8L}));
        graph.message(12, valueInfo("out_sample", new Object[] {"batch", 4L, "height", "width"}));
        Proto model = new Proto()
                .varint(1, 8)
                .string(2, "emergence-tests")
                .message(7, graph)
                .message(8, new Proto().string(1, "").varint(2, 14));
        Files.createDirectories(file.getParent());
        return Files.write(file, model.bytes());
    }

    private static Proto node(String op, String[] inputs, String output, Proto attribute) {
        Proto n = new Proto();
        for (String in : inputs) n.string(1, in);
        n.string(2, output).string(3, output + "_node").string(4, op);
        if (attribute != null) n.message(5, attribute);
        return n;
    }

    private static Proto floats(String name, long[] dims, float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        Proto t = new Proto();
        for (long d : dims) t.varint(1, d);
        return t.varint(2, FLOAT).string(8, name).bytes(9, b.array());
    }

    private static Proto longs(String name, long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) b.putLong(v);
        return new Proto().varint(1, values.length).varint(2, INT64).string(8, name).bytes(9, b.array());
    }

    /** A float tensor value; each dimension a fixed size (Long) or a symbolic name (String). */
    private static Proto valueInfo(String name, Object[] dims) {
        Proto shape = new Proto();
        for (Object d : dims) {
            shape.message(1, d instanceof Long l ? new Proto().varint(1, l) : new Proto().string(2, (String) d));
        }
        Proto tensorType = new Proto().varint(1, FLOAT).message(2, shape);
        return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
    }

    /** One protobuf message being written: fields in order, as varints and length-delimited bytes. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long value) {
            tag(field, 0);
            raw(value);
            return this;
        }

        Proto bytes(int field, byte[] value) {
            tag(field, 2);
            raw(value.length);
            out.writeBytes(value);
            return this;
        }

        Proto fixed32(int field, float value) {
            tag(field, 5);
            int bits = Float.floatToIntBits(value);
            for (int i = 0; i < 4; i++) out.write((bits >>> (8 * i)) & 0xFF);
            return this;
        }

        Proto string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto value) {
            return bytes(field, value.bytes());
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private void tag(int field, int wireType) {
            raw((long) field << 3 | wireType);
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }
    }
}
