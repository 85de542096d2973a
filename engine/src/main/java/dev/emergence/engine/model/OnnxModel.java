package dev.emergence.engine.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.platform.Fp16Conversions;
import dev.emergence.engine.runtime.DeviceReport;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.runtime.ExecutionProviders;
import dev.emergence.engine.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static dev.emergence.engine.runtime.OrtMessages.oneLine;

/**
 * One ONNX Runtime session, with the names, element types and shapes of its inputs and outputs
 * read from the session itself. Callers hand in and get back float32 {@link Tensor}s; this class
 * converts them at the boundary to whatever the model declares (float16, int32 ids, int64
 * timesteps) and back. Thread-safe: ONNX Runtime sessions may run concurrently.
 */
public final class OnnxModel implements AutoCloseable {
    /** ONNX Runtime's "Could not find an implementation for GroupNorm(1) node with name '…'". */
    private static final Pattern MISSING_KERNEL = Pattern.compile("Could not find an implementation for ([A-Za-z0-9_.]+)\\(\\d+\\) node");
    private static final Pattern MISSING_FILE = Pattern.compile("\\[([^\\]]+)\\]\\s*$");
    /**
     * ONNX Runtime's session option for where a model loaded from bytes finds its external data (a
     * model loaded from a file finds it beside the file; from bytes, ONNX Runtime knows no folder).
     */
    private static final String EXTERNAL_DATA_FOLDER = "session.model_external_initializers_file_folder_path";

    private final Path file;
    private final String label;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final DeviceReport device;
    private final ExecutionOptions options;
    /** Weights given in place of the graph's own (merged LoRAs); ONNX Runtime uses them for the session's life. */
    private final WeightOverrides initializers;
    private volatile boolean closed;
    private final OptimizedGraphCache.Source graphSource;
    /** ONNX Runtime's run option that shrinks the CPU arena to what is still in use when the run ends. */
    private static final String ARENA_SHRINKAGE = "memory.enable_memory_arena_shrinkage";

    private OnnxModel(Path file, String label, OrtEnvironment env, OrtSession session, DeviceReport device,
                      WeightOverrides initializers, OptimizedGraphCache.Source graphSource, ExecutionOptions options)
            throws OrtException {
        this.file = file;
        this.options = options;
        this.graphSource = graphSource;
        this.initializers = initializers;
        this.label = label;
        this.env = env;
        this.session = session;
        this.device = device;
        this.inputs = specs(session.getInputInfo());
        this.outputs = specs(session.getOutputInfo());
    }

    /**
     * Creates the session for {@code file}, on the device {@code options} asks for (falling back to
     * CPU when CUDA cannot be used). The graph's own folder bounds what it may read
     * ({@link ExternalDataCheck}).
     *
     * @param label how messages name the file, e.g. "tiny-sd/unet/model.onnx"
     */
    public static OnnxModel open(Path file, String label, ExecutionOptions options) throws ModelException {
        Path absolute = file.toAbsolutePath();
        return open(file, label, options, absolute.getParent() == null ? absolute : absolute.getParent());
    }

    /**
     * As {@link #open(Path, String, ExecutionOptions)}, for a graph of the model folder {@code folder}:
     * the graph and every external-data file it names must lie inside that folder
     * ({@link ExternalDataCheck}), checked before ONNX Runtime reads anything.
     */
    public static OnnxModel open(Path file, String label, ExecutionOptions options, Path folder) throws ModelException {
        return open(file, label, options, folder, WeightOverrides.NONE);
    }

    /**
     * As {@link #open(Path, String, ExecutionOptions, Path)}, with {@code initializers} replacing the graph's
     * initializers of the same names ({@link WeightOverrides}). The model owns them from here on, also when
     * opening fails, and closes them with its session.
     */
    public static OnnxModel open(Path file, String label, ExecutionOptions options, Path folder,
                                 WeightOverrides initializers) throws ModelException {
        try {
            return openOwning(file, label, options, folder, initializers, null);
        } catch (ModelException | RuntimeException e) {
            initializers.close();
            throw e;
        }
    }

    /**
     * As {@link #open(Path, String, ExecutionOptions, Path)}, with the session made from {@code graph}:
     * the model of {@code file} changed in memory (outputs added), never written back. Its external data
     * is still read from beside {@code file}, which is checked as when opening the file itself.
     */
    public static OnnxModel open(Path file, String label, ExecutionOptions options, Path folder, byte[] graph) throws ModelException {
        return openOwning(file, label, options, folder, WeightOverrides.NONE, java.util.Objects.requireNonNull(graph, "graph"));
    }

    /** A session of the file, or of {@code graph} (when not null) with its external data beside the file. */
    private static OrtSession createSession(OrtEnvironment env, Path file, byte[] graph, OrtSession.SessionOptions options)
            throws OrtException {
        if (graph == null) return env.createSession(file.toString(), options);
        options.addConfigEntry(EXTERNAL_DATA_FOLDER, file.toAbsolutePath().getParent().toString());
        return env.createSession(graph, options);
    }

    /** Hands the overrides to ONNX Runtime, which uses them for the session's life without copying. */
    private static void override(OrtSession.SessionOptions options, WeightOverrides initializers) throws OrtException {
        Map<String, ai.onnxruntime.OnnxTensorLike> external = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxTensor> i : initializers.tensors().entrySet()) {
            if (initializers.external().contains(i.getKey())) external.put(i.getKey(), i.getValue());
            else options.addInitializer(i.getKey(), i.getValue());
        }
        if (!external.isEmpty()) options.addExternalInitializers(external);
    }

    private static OnnxModel openOwning(Path file, String label, ExecutionOptions options, Path folder,
                                        WeightOverrides initializers, byte[] graph) throws ModelException {
        if (!Files.exists(file)) throw new ModelException(label + ": file not found");
        ExternalDataCheck.requireInside(file, folder, label);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        ExecutionProviders.Configured configured;
        try {
            configured = ExecutionProviders.configure(options);
        } catch (OrtException e) {
            throw new ModelException(label + ": cannot set up ONNX Runtime: " + oneLine(e.getMessage()), e);
        }
        OrtSession session;
        DeviceReport device = configured.report();
        // Only a CPU session of the file with its own weights is what a cached graph would be.
        OptimizedGraphCache cache = graph == null && initializers.tensors().isEmpty() && !device.onCuda()
                ? OptimizedGraphCache.of(file, options) : null;
        OptimizedGraphCache.Source source = OptimizedGraphCache.Source.ORIGINAL;
        try (OrtSession.SessionOptions sessionOptions = configured.options()) {
            if (cache != null) {
                // CPU options as configured, made afresh for each attempt (a cached graph loads unoptimised).
                OptimizedGraphCache.Opened opened = cache.open(env, file, () -> ExecutionProviders.cpuOptions(options));
                session = opened.session();
                source = opened.source();
            } else {
                override(sessionOptions, initializers);
                session = createSession(env, file, graph, sessionOptions);
            }
        } catch (OrtException e) {
            if (!device.onCuda()) throw loadError(label, e);
            // Retry on CPU: if that works the fault was CUDA's, and later sessions skip it.
            try (OrtSession.SessionOptions cpu = ExecutionProviders.cpuOptions(options)) {
                override(cpu, initializers);
                session = createSession(env, file, graph, cpu);
            } catch (OrtException cpuFailure) {
                throw loadError(label, cpuFailure);
            }
            device = DeviceReport.cpu(ExecutionProviders.rememberCudaFailure(e));
        }
        try {
            return new OnnxModel(file, label, env, session, device, initializers, source, options);
        } catch (OrtException e) {
            closeQuietly(session);
            throw new ModelException(label + ": cannot read the model's inputs and outputs: " + oneLine(e.getMessage()), e);
        }
    }

    /**
     * How long ONNX Runtime takes to create a session of {@code file} with {@code options}' CPU settings
     * and nothing of the engine's around it (no graph cache): the floor a model's load is measured against.
     */
    public static long timeBareSession(Path file, String label, ExecutionOptions options, Path folder) throws ModelException {
        if (!Files.exists(file)) throw new ModelException(label + ": file not found");
        ExternalDataCheck.requireInside(file, folder, label);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions cpu = ExecutionProviders.cpuOptions(options)) {
            long t0 = System.nanoTime();
            try (OrtSession ignored = env.createSession(file.toString(), cpu)) {
                return System.nanoTime() - t0;
            }
        } catch (OrtException e) {
            throw loadError(label, e);
        }
    }

    public Path file() {
        return file;
    }

    /** How messages name this model, e.g. "tiny-sd/unet/model.onnx". */
    public String label() {
        return label;
    }

    public DeviceReport device() {
        return device;
    }

    /** The options the session was made with. */
    public ExecutionOptions options() {
        return options;
    }

    /**
     * Where the session's graph came from: "cached" (ONNX Runtime's optimised graph from the user's cache),
     * "written" (the model file, its optimised graph now cached) or "original" (the model file, uncached).
     */
    public String graphSource() {
        return graphSource.name().toLowerCase(Locale.ROOT);
    }

    public List<TensorSpec> inputs() {
        return inputs;
    }

    public List<TensorSpec> outputs() {
        return outputs;
    }

    public Optional<TensorSpec> input(String name) {
        return inputs.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public Optional<TensorSpec> output(String name) {
        return outputs.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The input called {@code name}, or a ModelException "LABEL: expected an input like EXPECTATION, found ...". */
    public TensorSpec requireInput(String name, String expectation) throws ModelException {
        Optional<TensorSpec> spec = input(name);
        if (spec.isEmpty()) throw error("expected an input like " + expectation + ", found " + describe(inputs));
        return spec.get();
    }

    /** A ModelException whose message starts with this model's label. */
    public ModelException error(String message) {
        return new ModelException(label + ": " + message);
    }

    /** "'a' float32 [batch,4], 'b' int64 [batch]" */
    public static String describe(List<TensorSpec> specs) {
        if (specs.isEmpty()) return "none";
        return specs.stream().map(TensorSpec::describe).collect(Collectors.joining(", "));
    }

    /**
     * Runs the model. Every input needs a value; each is converted to the declared element type
     * (float16 with round-to-nearest-even, integers by truncation toward zero as numpy's astype does).
     *
     * @return every output, converted to float32, by name in the model's order
     */
    public Map<String, Tensor> run(Map<String, Tensor> feeds) throws ModelException {
        return run(feeds, null);
    }

    /**
     * Runs the model for some of its outputs only (a text encoder's 33 hidden states are not all
     * wanted), or for all of them when {@code wanted} is null.
     */
    public Map<String, Tensor> run(Map<String, Tensor> feeds, java.util.Set<String> wanted) throws ModelException {
        return run(feeds, wanted, false);
    }

    /**
     * As {@link #run(Map, java.util.Set)}; with {@code shrinkArena} the CPU arena gives back what it holds
     * beyond what is still in use once the run ends (the UNet's buffers after a generation's last step, so
     * that the VAE decode does not stack on them).
     */
    public Map<String, Tensor> run(Map<String, Tensor> feeds, java.util.Set<String> wanted, boolean shrinkArena) throws ModelException {
        if (closed) throw new IllegalStateException(label + " is closed");
        for (String name : feeds.keySet()) {
            if (input(name).isEmpty()) throw new IllegalArgumentException(label + " has no input '" + name + "'");
        }
        Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        try {
            for (TensorSpec spec : inputs) {
                Tensor value = feeds.get(spec.name());
                if (value == null) throw new IllegalArgumentException(label + ": no value for input " + spec.describe());
                tensors.put(spec.name(), toOnnx(spec, value));
            }
            try (OrtSession.RunOptions runOptions = runOptions(shrinkArena || options.cpuMemory().shrinkEveryRun());
                 OrtSession.Result result = session.run(tensors, wanted == null ? session.getOutputNames() : wanted, runOptions)) {
                Map<String, Tensor> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : result) {
                    out.put(e.getKey(), fromOnnx(e.getKey(), e.getValue()));
                }
                return out;
            }
        } catch (OrtException e) {
            throw new ModelException(label + ": inference failed: " + oneLine(e.getMessage()), e);
        } finally {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * Times bare {@code OrtSession.run} calls on inputs converted once beforehand: the floor that
     * the engine's own overhead (conversion, guidance, scheduling) is measured against.
     *
     * @return the wall time of each run, in nanoseconds
     */
    public long[] timeRawRuns(Map<String, Tensor> feeds, int runs) throws ModelException {
        return timeRawRuns(feeds, runs, false);
    }

    /** As {@link #timeRawRuns(Map, int)}, with the CPU arena shrunk after the last run when {@code shrinkLast}. */
    public long[] timeRawRuns(Map<String, Tensor> feeds, int runs, boolean shrinkLast) throws ModelException {
        if (closed) throw new IllegalStateException(label + " is closed");
        Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        try {
            for (TensorSpec spec : inputs) {
                Tensor value = feeds.get(spec.name());
                if (value == null) throw new IllegalArgumentException(label + ": no value for input " + spec.describe());
                tensors.put(spec.name(), toOnnx(spec, value));
            }
            long[] nanos = new long[runs];
            for (int i = 0; i < runs; i++) {
                try (OrtSession.RunOptions runOptions = runOptions(shrinkLast && i == runs - 1)) {
                    long t0 = System.nanoTime();
                    try (OrtSession.Result ignored = session.run(tensors, runOptions)) {
                        nanos[i] = System.nanoTime() - t0;
                    }
                }
            }
            return nanos;
        } catch (OrtException e) {
            throw new ModelException(label + ": inference failed: " + oneLine(e.getMessage()), e);
        } finally {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    /** Run options: none beyond the defaults, or the CPU arena's shrinkage. */
    private OrtSession.RunOptions runOptions(boolean shrinkArena) throws OrtException {
        OrtSession.RunOptions options = new OrtSession.RunOptions();
        try {
            if (shrinkArena && !device.onCuda()) options.addRunConfigEntry(ARENA_SHRINKAGE, "cpu:0");
            return options;
        } catch (OrtException e) {
            options.close();
            throw e;
        }
    }

    private OnnxTensor toOnnx(TensorSpec spec, Tensor value) throws OrtException, ModelException {
        float[] data = value.data();
        long[] shape = value.shapeAsLong();
        int n = data.length;
        // Direct, native-order buffers are handed to ONNX Runtime without another copy.
        switch (spec.type()) {
            case FLOAT32: {
                FloatBuffer b = direct(4L * n).asFloatBuffer();
                b.put(data).rewind();
                return OnnxTensor.createTensor(env, b, shape);
            }
            case FLOAT16: {
                ShortBuffer b = direct(2L * n).asShortBuffer();
                for (int i = 0; i < n; i++) b.put(i, Fp16Conversions.floatToFp16(data[i]));
                return OnnxTensor.createTensor(env, b, shape, OnnxJavaType.FLOAT16);
            }
            case INT32: {
                IntBuffer b = direct(4L * n).asIntBuffer();
                for (int i = 0; i < n; i++) b.put(i, (int) data[i]);
                return OnnxTensor.createTensor(env, b, shape);
            }
            case INT64: {
                LongBuffer b = direct(8L * n).asLongBuffer();
                for (int i = 0; i < n; i++) b.put(i, (long) data[i]);
                return OnnxTensor.createTensor(env, b, shape);
            }
            case FLOAT64: {
                DoubleBuffer b = direct(8L * n).asDoubleBuffer();
                for (int i = 0; i < n; i++) b.put(i, data[i]);
                return OnnxTensor.createTensor(env, b, shape);
            }
            default:
                throw error("input " + spec.describe() + " has an element type the engine cannot feed");
        }
    }

    private Tensor fromOnnx(String name, OnnxValue value) throws ModelException {
        if (!(value instanceof OnnxTensor tensor)) throw error("output '" + name + "' is not a tensor");
        TensorInfo info = tensor.getInfo();
        int[] shape = Arrays.stream(info.getShape()).mapToInt(Math::toIntExact).toArray();
        float[] data;
        switch (info.type) {
            case FLOAT:
            case FLOAT16: { // ONNX Runtime widens float16 to float32 here
                FloatBuffer b = tensor.getFloatBuffer();
                data = new float[b.remaining()];
                b.get(data);
                break;
            }
            case INT32: {
                IntBuffer b = tensor.getIntBuffer();
                data = new float[b.remaining()];
                for (int i = 0; i < data.length; i++) data[i] = b.get(i);
                break;
            }
            case INT64: {
                LongBuffer b = tensor.getLongBuffer();
                data = new float[b.remaining()];
                for (int i = 0; i < data.length; i++) data[i] = b.get(i);
                break;
            }
            case DOUBLE: {
                DoubleBuffer b = tensor.getDoubleBuffer();
                data = new float[b.remaining()];
                for (int i = 0; i < data.length; i++) data[i] = (float) b.get(i);
                break;
            }
            default:
                throw error("output '" + name + "' has element type " + info.type + ", which the engine cannot read");
        }
        return new Tensor(data, shape);
    }

    private static ByteBuffer direct(long bytes) {
        return ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
    }

    private static List<TensorSpec> specs(Map<String, NodeInfo> infos) {
        List<TensorSpec> specs = new ArrayList<>();
        for (NodeInfo node : infos.values()) {
            if (node.getInfo() instanceof TensorInfo t) {
                specs.add(new TensorSpec(node.getName(), ElementType.of(t.type), t.getShape(), t.getDimensionNames()));
            } else {
                specs.add(new TensorSpec(node.getName(), ElementType.OTHER, new long[0], new String[0]));
            }
        }
        return List.copyOf(specs);
    }

    private static ModelException loadError(String label, OrtException e) {
        String msg = oneLine(e.getMessage());
        // "Load model from /abs/path failed:Protobuf parsing failed." names the file again; keep the cause
        int failed = msg.indexOf(" failed:");
        if (msg.startsWith("Load model from") && failed >= 0) msg = msg.substring(failed + " failed:".length()).strip();
        String lower = msg.toLowerCase(Locale.ROOT);
        if (lower.contains("protobuf parsing failed") || lower.contains("no graph was found")) {
            return new ModelException(label + ": not a valid ONNX model (" + msg + ")", e);
        }
        Matcher op = MISSING_KERNEL.matcher(msg);
        if (op.find()) {
            // Olive's optimised exports fuse operators (GroupNorm, BiasSplitGelu, NhwcConv, …) that only CUDA runs.
            return new ModelException(label + ": uses the operator " + op.group(1) + ", which ONNX Runtime runs only on a CUDA GPU"
                    + " (an Olive-optimised export); on the CPU, use an unoptimised export (optimum-cli export onnx)", e);
        }
        if (lower.contains("external")) {
            return new ModelException(label + ": cannot read its external weights (" + msg + ")", e);
        }
        // a missing external-data file shows as "filesystem error: ... No such file or directory [/path/weights.pb]"
        Matcher missing = MISSING_FILE.matcher(msg);
        if (lower.contains("no such file") && missing.find()) {
            String file = Path.of(missing.group(1)).getFileName().toString();
            return new ModelException(label + ": cannot read its external weights (" + file + " not found beside it)", e);
        }
        return new ModelException(label + ": ONNX Runtime cannot load it (" + msg + ")", e);
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException ignored) {
            // nothing useful to do when releasing fails
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        closeQuietly(session);
        initializers.close();
    }

    @Override
    public String toString() {
        return label + " inputs " + describe(inputs) + "; outputs " + describe(outputs) + "; on " + device.device();
    }
}
