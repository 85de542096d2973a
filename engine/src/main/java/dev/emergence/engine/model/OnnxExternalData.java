package dev.emergence.engine.model;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists the external-data files an ONNX model names, by walking its protobuf encoding without
 * reading any weights (see {@link ProtoWire}): every tensor of the main graph, of every subgraph
 * (the bodies of If, Loop and Scan, held in node attributes), of functions and of training graphs.
 *
 * <p>The messages and field numbers walked, from ONNX's {@code onnx.proto}:
 * <pre>
 * ModelProto        graph 7, training_info 20, functions 25
 * TrainingInfoProto initialization 1, algorithm 2            (GraphProto)
 * FunctionProto     node 7, attribute_proto 11
 * GraphProto        node 1, initializer 5, sparse_initializer 15
 * NodeProto         attribute 5
 * AttributeProto    t 5, g 6, tensors 10, graphs 11, sparse_tensor 22, sparse_tensors 23
 * SparseTensorProto values 1, indices 2                      (TensorProto)
 * TensorProto       name 8, external_data 13 (StringStringEntryProto key 1, value 2), data_location 14 (1 = EXTERNAL)
 * </pre>
 * Every other field is skipped by its wire type, as protobuf itself treats fields it does not know.
 */
final class OnnxExternalData {
    /** Protobuf's own default nesting limit: deeper is no model, only a way to exhaust the stack. */
    private static final int MAX_DEPTH = 100;
    private static final int MAX_STRING = 64 * 1024;
    private static final int EXTERNAL = 1;

    /**
     * One tensor's external data.
     *
     * @param tensor   the tensor's name
     * @param location the {@code location} entry as written, or null when the tensor is marked external but names none
     */
    record Reference(String tensor, String location) {
    }

    private final ProtoWire in;
    private final List<Reference> found = new ArrayList<>();

    private OnnxExternalData(ProtoWire in) {
        this.in = in;
    }

    /**
     * Every external-data reference in {@code file}, in file order.
     *
     * @throws ProtoWire.MalformedException when the file is not a well-formed protobuf message
     */
    static List<Reference> read(Path file) throws IOException {
        try (ProtoWire wire = new ProtoWire(FileChannel.open(file, StandardOpenOption.READ))) {
            OnnxExternalData walker = new OnnxExternalData(wire);
            walker.model(wire.size());
            return List.copyOf(walker.found);
        }
    }

    private void model(long end) throws IOException {
        while (in.position() < end) {
            long tag = in.readTag();
            int field = (int) (tag >>> 3);
            int type = (int) (tag & 7);
            if (type == ProtoWire.LENGTH_DELIMITED && field == 7) graph(in.readLengthEnd(end), 1);
            else if (type == ProtoWire.LENGTH_DELIMITED && field == 20) trainingInfo(in.readLengthEnd(end), 1);
            else if (type == ProtoWire.LENGTH_DELIMITED && field == 25) function(in.readLengthEnd(end), 1);
            else in.skipValue(type, end);
        }
    }

    private void trainingInfo(long end, int depth) throws IOException {
        enter(depth);
        while (in.position() < end) {
            long tag = in.readTag();
            int field = (int) (tag >>> 3);
            int type = (int) (tag & 7);
            if (type == ProtoWire.LENGTH_DELIMITED && (field == 1 || field == 2)) graph(in.readLengthEnd(end), depth + 1);
            else in.skipValue(type, end);
        }
    }

    private void function(long end, int depth) throws IOException {
        enter(depth);
        while (in.position() < end) {
            long tag = in.readTag();
            int field = (int) (tag >>> 3);
            int type = (int) (tag & 7);
            if (type == ProtoWire.LENGTH_DELIMITED && field == 7) node(in.readLengthEnd(end), depth + 1);
            else if (type == ProtoWire.LENGTH_DELIMITED && field == 11) attribute(in.readLengthEnd(end), depth + 1);
            else in.skipValue(type, end);
        }
    }

    private void graph(long end, int depth) throws IOException {
        enter(depth);
        while (in.position() < end) {
            long tag = in.readTag();
            int field = (int) (tag >>> 3);
            int type = (int) (tag & 7);
            if (type == ProtoWire.LENGTH_DELIMITED && field == 1) node(in.readLengthEnd(end), depth + 1);
            else if (type == ProtoWire.LENGTH_DELIMITED && field == 5) tensor(in.readLengthEnd(end), depth + 1);
            else if (type == ProtoWire.LENGTH_DELIMITED && field == 15) sparseTensor(in.readLengthEnd(end), depth + 1);
            else in.skipValue(type, end);
        }
    }

    private void node(long end, int depth) throws IOException {
        enter(depth);
        while (in.position() < end) {
            long tag = in.readTag();
            int field = (int) (tag >>> 3);
            int type = (int) (tag & 7);
            if (type == ProtoWire.LENGTH_DELIMITED && field == 5) attribute(in.readLengthEnd(end), depth + 1);
            else in.skipValue(type, end);
        }
    }

    private void attribute(long end, int depth) throws IOException {
        enter(depth);
        while (in.position() < end) {
            long tag = in.readTag();
            int field = (int) (tag >>> 3);
            int type = (int) (tag & 7);
            if (type != ProtoWire.LENGTH_DELIMITED) {
                in.skipValue(type, end);
                continue;
            }
            switch (field) {
                case 5, 10 -> tensor(in.readLengthEnd(end), depth + 1);
                case 6, 11 -> graph(in.readLengthEnd(end), depth + 1);
                case 22, 23 -> sparseTensor(in.readLengthEnd(end), depth + 1);
                default -> in.skipValue(type, end);
            }
        }
    }

    private void sparseTensor(long end, int depth) throws IOException {
        enter(depth);
        while (in.position() < end) {
            long tag = in.readTag();
            int field = (int) (tag >>> 3);
            int type = (int) (tag & 7);
            if (type == ProtoWire.LENGTH_DELIMITED && (field == 1 || field == 2)) tensor(in.readLengthEnd(end), depth + 1);
            else in.skipValue(type, end);
        }
    }

    private void tensor(long end, int depth) throws IOException {
        enter(depth);
        String name = "";
        long dataLocation = 0;
        List<String> locations = new ArrayList<>();
        while (in.position() < end) {
            long tag = in.readTag();
            int field = (int) (tag >>> 3);
            int type = (int) (tag & 7);
            if (type == ProtoWire.LENGTH_DELIMITED && field == 8) {
                name = in.readString(end, MAX_STRING);
            } else if (type == ProtoWire.LENGTH_DELIMITED && field == 13) {
                String location = locationEntry(in.readLengthEnd(end));
                if (location != null) locations.add(location);
            } else if (type == ProtoWire.VARINT && field == 14) {
                dataLocation = in.readVarint(); // Singular: the last one counts, as protobuf parses it.
            } else {
                in.skipValue(type, end); // raw_data (9) and the typed data fields are skipped here, unread.
            }
        }
        // Locations are checked even on a tensor not marked external: a file named at all is a file that may be read.
        for (String location : locations) found.add(new Reference(name, location));
        if (dataLocation == EXTERNAL && locations.isEmpty()) found.add(new Reference(name, null));
    }

    /** The value of a {@code location} entry, or null for any other key. */
    private String locationEntry(long end) throws IOException {
        String key = null;
        String value = "";
        while (in.position() < end) {
            long tag = in.readTag();
            int field = (int) (tag >>> 3);
            int type = (int) (tag & 7);
            if (type == ProtoWire.LENGTH_DELIMITED && field == 1) key = in.readString(end, MAX_STRING);
            else if (type == ProtoWire.LENGTH_DELIMITED && field == 2) value = in.readString(end, MAX_STRING);
            else in.skipValue(type, end);
        }
        return "location".equals(key) ? value : null;
    }

    private static void enter(int depth) throws ProtoWire.MalformedException {
        if (depth > MAX_DEPTH) throw new ProtoWire.MalformedException("messages nested more than " + MAX_DEPTH + " deep");
    }
}
