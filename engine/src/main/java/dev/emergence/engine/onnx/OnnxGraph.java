package dev.emergence.engine.onnx;

import ai.onnxruntime.platform.Fp16Conversions;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.emergence.engine.model.ExternalDataCheck;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.onnx.proto.OnnxGraphProto.AttributeProto;
import dev.emergence.engine.onnx.proto.OnnxGraphProto.ModelProto;
import dev.emergence.engine.onnx.proto.OnnxGraphProto.NodeProto;
import dev.emergence.engine.onnx.proto.OnnxGraphProto.StringStringEntryProto;
import dev.emergence.engine.onnx.proto.OnnxGraphProto.TensorProto;
import dev.emergence.engine.onnx.proto.OnnxGraphProto.TypeProto;
import dev.emergence.engine.onnx.proto.OnnxGraphProto.ValueInfoProto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX graph read for its weights: which initializer each module's MatMul, Gemm or Conv node
 * consumes, and the values of single initializers, read one at a time from the graph file or its
 * external data. torch's exporter names nodes by module scope ({@code /down_blocks.0/attentions.0/
 * transformer_blocks.0/attn1/to_q/MatMul}) but stores a Linear's weight transposed under a generated
 * name ({@code onnx::MatMul_1234}), so the graph itself is what ties a module path to its weight.
 *
 * <p>The file is mapped and parsed with protobuf-java aliasing the mapping, so inline weights are not
 * copied onto the heap; a graph over 2 GiB is not a valid protobuf message anyway.
 */
public final class OnnxGraph {
    /** ONNX TensorProto.DataType values. */
    public static final int FLOAT = 1;
    public static final int FLOAT16 = 10;
    public static final int BFLOAT16 = 16;
    private static final int EXTERNAL = 1;

    private final Path file;
    private final String label;
    private final ModelProto model;
    private final Map<String, TensorProto> initializers;
    private final Map<String, List<WeightSlot>> byModule;
    private final Map<String, List<String>> consumers;
    private final Map<String, NodeProto> producers;

    private OnnxGraph(Path file, String label, ModelProto model, Map<String, TensorProto> initializers,
                      Map<String, List<WeightSlot>> byModule, Map<String, List<String>> consumers,
                      Map<String, NodeProto> producers) {
        this.file = file;
        this.label = label;
        this.model = model;
        this.initializers = initializers;
        this.byModule = byModule;
        this.consumers = consumers;
        this.producers = producers;
    }

    /**
     * Reads the graph {@code file} of the model folder {@code folder}; it and every external-data file it
     * names must lie inside that folder ({@link ExternalDataCheck}).
     *
     * @param label how messages name the file, e.g. "tiny-sd/unet/model.onnx"
     */
    public static OnnxGraph read(Path file, String label, Path folder) throws ModelException {
        ExternalDataCheck.requireInside(file, folder, label);
        ModelProto model;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE) {
                throw new ModelException(label + ": is " + size + " bytes; expected an ONNX graph under 2 GiB (larger weights go in external data)");
            }
            ByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(mapped).newCodedInput();
            in.enableAliasing(true);
            in.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelException(label + ": not a valid ONNX model (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new ModelException(label + ": cannot be read (" + e.getMessage() + ")", e);
        }
        Map<String, TensorProto> initializers = new LinkedHashMap<>();
        for (TensorProto t : model.getGraph().getInitializerList()) initializers.put(t.getName(), t);
        Map<String, List<WeightSlot>> byModule = new LinkedHashMap<>();
        Map<String, List<String>> consumers = new HashMap<>();
        Map<String, NodeProto> producers = new HashMap<>();
        for (NodeProto node : model.getGraph().getNodeList()) {
            for (String output : node.getOutputList()) if (!output.isEmpty()) producers.put(output, node);
            for (String input : node.getInputList()) {
                if (initializers.containsKey(input)) consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(node.getName());
            }
            WeightSlot slot = slotOf(node, initializers);
            if (slot != null) byModule.computeIfAbsent(slot.modulePath(), k -> new ArrayList<>()).add(slot);
        }
        return new OnnxGraph(file, label, model, initializers, byModule, consumers, producers);
    }

    /** The weight a MatMul, Gemm or Conv node with a module scope takes as its second input, or null. */
    private static WeightSlot slotOf(NodeProto node, Map<String, TensorProto> initializers) {
        String op = node.getOpType();
        if (!op.equals("MatMul") && !op.equals("Gemm") && !op.equals("Conv")) return null;
        if (node.getInputCount() < 2 || !initializers.containsKey(node.getInput(1))) return null;
        String name = node.getName();
        int last = name.lastIndexOf('/');
        if (!name.startsWith("/") || last <= 1) return null;
        String modulePath = name.substring(1, last).replace('/', '.');
        boolean transposed = op.equals("MatMul");
        if (op.equals("Gemm")) {
            long transB = 0;
            for (AttributeProto a : node.getAttributeList()) if (a.getName().equals("transB")) transB = a.getI();
            transposed = transB == 0;
        }
        TensorProto weight = initializers.get(node.getInput(1));
        long[] dims = weight.getDimsList().stream().mapToLong(Long::longValue).toArray();
        return new WeightSlot(modulePath, name, weight.getName(), transposed, dims);
    }

    public String label() {
        return label;
    }

    /**
     * The channels the graph input {@code input} has, read from the Conv that takes it (its weight is
     * [M, C/group, kH, kW]), or empty when no Conv with a stored weight takes it directly.
     */
    public java.util.OptionalInt convInputChannels(String input) {
        for (NodeProto node : model.getGraph().getNodeList()) {
            if (!node.getOpType().equals("Conv") || node.getInputCount() < 2 || !node.getInput(0).equals(input)) continue;
            TensorProto weight = initializers.get(node.getInput(1));
            if (weight == null || weight.getDimsCount() != 4) continue;
            long group = 1;
            for (AttributeProto a : node.getAttributeList()) if (a.getName().equals("group")) group = a.getI();
            long channels = weight.getDims(1) * group;
            if (channels > 0 && channels <= Integer.MAX_VALUE) return java.util.OptionalInt.of((int) channels);
        }
        return java.util.OptionalInt.empty();
    }

    /** Every module path that has a weight node, in graph order. */
    public Set<String> modulePaths() {
        return Collections.unmodifiableSet(byModule.keySet());
    }

    /** The weight nodes of one module path (usually one), or an empty list. */
    public List<WeightSlot> slots(String modulePath) {
        return List.copyOf(byModule.getOrDefault(modulePath, List.of()));
    }

    /** The names of every node that takes {@code initializer} as an input. */
    public List<String> consumers(String initializer) {
        return List.copyOf(consumers.getOrDefault(initializer, List.of()));
    }

    /** The names of the graph's outputs, in order. */
    public List<String> outputs() {
        return model.getGraph().getOutputList().stream().map(ValueInfoProto::getName).toList();
    }

    /** The ONNX element type (FLOAT, FLOAT16, ...) the graph declares for its output {@code name}; 0 when it declares none. */
    public int outputElementType(String name) {
        for (ValueInfoProto v : model.getGraph().getOutputList()) {
            if (v.getName().equals(name)) return v.getType().getTensorType().getElemType();
        }
        throw new IllegalArgumentException(label + " has no output '" + name + "'");
    }

    /** The node that computes {@code value}, or null for a graph input, an initializer or an unknown name. */
    NodeProto producer(String value) {
        return producers.get(value);
    }

    /** Whether any node of the graph (not of its subgraphs) is the operator {@code opType}. */
    public boolean uses(String opType) {
        return model.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals(opType));
    }

    /** Whether any initializer keeps its data in an external-data file. */
    public boolean hasExternalData() {
        return initializers.values().stream().anyMatch(t -> t.getDataLocation() == EXTERNAL);
    }

    /**
     * The model serialised again with the intermediate values {@code values} added as graph outputs of
     * element type {@code elementType} (shape left to ONNX Runtime); everything else as read, external
     * data references included. The file itself is not touched.
     */
    public byte[] withOutputs(List<String> values, int elementType) {
        ModelProto.Builder builder = model.toBuilder();
        for (String value : values) {
            if (!producers.containsKey(value)) throw new IllegalArgumentException(label + " has no node computing '" + value + "'");
            if (outputs().contains(value)) continue;
            builder.getGraphBuilder().addOutput(ValueInfoProto.newBuilder().setName(value)
                    .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elementType))));
        }
        return builder.build().toByteArray();
    }

    /** Whether the initializer's data lies in an external-data file rather than in the graph. */
    public boolean isExternal(String initializer) {
        return tensor(initializer).getDataLocation() == EXTERNAL;
    }

    /** The initializer's ONNX data type (FLOAT, FLOAT16, BFLOAT16, ...). */
    public int dataType(String initializer) {
        return tensor(initializer).getDataType();
    }

    /**
     * The values of one float32, float16 or bfloat16 initializer, widened to float, read from the graph
     * or from its external data (only that tensor's bytes).
     */
    public float[] readFloats(String initializer) throws ModelException {
        TensorProto t = tensor(initializer);
        int type = t.getDataType();
        int width = switch (type) {
            case FLOAT -> 4;
            case FLOAT16, BFLOAT16 -> 2;
            default -> throw new ModelException(label + ": initializer '" + initializer + "' has ONNX data type " + type
                    + "; expected float32, float16 or bfloat16 weights to merge into");
        };
        long count = 1;
        for (long d : t.getDimsList()) count *= d;
        if (count > Integer.MAX_VALUE) throw new ModelException(label + ": initializer '" + initializer + "' has " + count + " elements, too many to merge");
        int n = (int) count;
        ByteBuffer bytes;
        if (t.getDataLocation() == EXTERNAL) {
            bytes = readExternal(t, (long) n * width);
        } else if (t.hasRawData()) {
            bytes = t.getRawData().asReadOnlyByteBuffer();
        } else if (type == FLOAT && t.getFloatDataCount() == n) {
            float[] out = new float[n];
            for (int i = 0; i < n; i++) out[i] = t.getFloatData(i);
            return out;
        } else if (type != FLOAT && t.getInt32DataCount() == n) {
            float[] out = new float[n];
            for (int i = 0; i < n; i++) out[i] = widen(type, (short) t.getInt32Data(i));
            return out;
        } else {
            throw new ModelException(label + ": initializer '" + initializer + "' holds no data for its " + n + " elements");
        }
        bytes = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.remaining() != (long) n * width) {
            throw new ModelException(label + ": initializer '" + initializer + "' has " + bytes.remaining() + " bytes; expected "
                    + (long) n * width + " for its shape");
        }
        float[] out = new float[n];
        if (type == FLOAT) bytes.asFloatBuffer().get(out);
        else for (int i = 0; i < n; i++) out[i] = widen(type, bytes.getShort(2 * i));
        return out;
    }

    private static float widen(int type, short bits) {
        return type == FLOAT16 ? Fp16Conversions.fp16ToFloat(bits) : Fp16Conversions.bf16ToFloat(bits);
    }

    /** One tensor's bytes from its external-data file (checked to be inside the model folder when read). */
    private ByteBuffer readExternal(TensorProto t, long expected) throws ModelException {
        String location = null;
        long offset = 0, length = expected;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            try {
                switch (e.getKey()) {
                    case "location" -> location = e.getValue();
                    case "offset" -> offset = Long.parseLong(e.getValue());
                    case "length" -> length = Long.parseLong(e.getValue());
                    default -> { }
                }
            } catch (NumberFormatException bad) {
                throw new ModelException(label + ": initializer '" + t.getName() + "' has external " + e.getKey() + " '" + e.getValue()
                        + "'; expected a whole number");
            }
        }
        if (location == null) throw new ModelException(label + ": initializer '" + t.getName() + "' is external but names no location");
        if (length != expected || offset < 0) {
            throw new ModelException(label + ": initializer '" + t.getName() + "' has external length " + length + " at offset " + offset
                    + "; expected " + expected + " bytes for its shape");
        }
        Path data = file.toAbsolutePath().getParent().resolve(location);
        try (FileChannel channel = FileChannel.open(data, StandardOpenOption.READ)) {
            if (offset + length > channel.size()) {
                throw new ModelException(label + ": initializer '" + t.getName() + "' lies at " + offset + "+" + length + ", past the end of "
                        + location + " (" + channel.size() + " bytes)");
            }
            ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(length));
            while (out.hasRemaining()) {
                if (channel.read(out, offset + out.position()) < 0) throw new IOException("unexpected end of file");
            }
            return out.flip();
        } catch (IOException e) {
            throw new ModelException(label + ": cannot read the weights of '" + t.getName() + "' from " + location + " (" + e.getMessage() + ")", e);
        }
    }

    private TensorProto tensor(String initializer) {
        TensorProto t = initializers.get(initializer);
        if (t == null) throw new IllegalArgumentException(label + " has no initializer '" + initializer + "'");
        return t;
    }
}
