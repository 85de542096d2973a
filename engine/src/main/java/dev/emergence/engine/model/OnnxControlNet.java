package dev.emergence.engine.model;

import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A ControlNet exported as OnnxStack's converter exports it (and Amuse's model sets ship it): a
 * folder with {@code model.onnx} (and its external data) taking {@code sample} [B,4,h,w],
 * {@code timestep} [B], {@code encoder_hidden_states} [B,S,D], {@code controlnet_cond} [B,3,H,W] and,
 * when the export has it, {@code conditioning_scale} (double [1]), and returning
 * {@code down_block_0_additional_residual} .. {@code down_block_N-1_additional_residual} and
 * {@code mid_block_additional_residual}. N is read from the outputs (12 for SD 1.5). Owns its session.
 */
public final class OnnxControlNet implements DiffusionModels.ControlNet, AutoCloseable {
    static final String EXPECTED = "expected a ControlNet (OnnxStack's export): inputs sample, timestep, encoder_hidden_states, "
            + "controlnet_cond [B,3,H,W] and optionally conditioning_scale; outputs down_block_0_additional_residual .. "
            + "down_block_N-1_additional_residual and mid_block_additional_residual";

    private final OnnxModel model;
    private final String name;
    private final String shortHash;
    private final TensorSpec sample, timestep, text, cond, scale;
    private final List<TensorSpec> outputs;

    private OnnxControlNet(OnnxModel model, String name, String shortHash) throws ModelException {
        this.model = model;
        this.name = name;
        this.shortHash = shortHash;
        sample = input("sample", 4);
        timestep = model.input("timestep").orElseThrow(() -> notAControlNet("no input 'timestep'"));
        if (timestep.rank() > 1 || !(timestep.type().isFloat() || timestep.type().isInteger())) {
            throw notAControlNet("input " + timestep.describe() + " is not a timestep [B]");
        }
        text = input("encoder_hidden_states", 3);
        cond = input("controlnet_cond", 4);
        if (cond.isStatic(1) && cond.dim(1) != 3) throw notAControlNet("input " + cond.describe() + " takes no RGB picture");
        scale = model.input("conditioning_scale").orElse(null);
        if (scale != null && (scale.rank() > 1 || !(scale.type().isFloat() || scale.type() == ElementType.FLOAT64))) {
            throw notAControlNet("input " + scale.describe() + " is not a scale (a float [1])");
        }
        if (model.input("text_embeds").isPresent() || model.input("time_ids").isPresent()) {
            throw model.error("is an SDXL ControlNet (it takes text_embeds and time_ids), which the engine does not run; "
                    + "expected an SD 1.x or 2.x ControlNet");
        }
        for (TensorSpec in : model.inputs()) {
            if (!Set.of("sample", "timestep", "encoder_hidden_states", "controlnet_cond", "conditioning_scale").contains(in.name())) {
                throw notAControlNet("unexpected input " + in.describe());
            }
        }
        TreeMap<Integer, TensorSpec> down = new TreeMap<>();
        TensorSpec mid = null;
        for (TensorSpec out : model.outputs()) {
            var m = OnnxDenoiser.DOWN_RESIDUAL.matcher(out.name());
            if (m.matches()) down.put(Integer.parseInt(m.group(1)), out);
            else if (out.name().equals(OnnxDenoiser.MID_RESIDUAL)) mid = out;
            else throw notAControlNet("unexpected output " + out.describe());
        }
        if (mid == null || down.isEmpty() || down.firstKey() != 0 || down.lastKey() != down.size() - 1) {
            throw notAControlNet("its outputs are " + OnnxModel.describe(model.outputs()));
        }
        List<TensorSpec> outs = new ArrayList<>(down.values());
        outs.add(mid);
        outputs = List.copyOf(outs);
    }

    /**
     * Opens the ControlNet in {@code location}: a folder holding {@code model.onnx}, or the
     * {@code .onnx} file itself. Nothing else is touched when it fails.
     *
     * @throws ModelException naming the folder: missing, not an ONNX model, or not a ControlNet
     */
    public static OnnxControlNet open(Path location, ExecutionOptions options) throws ModelException {
        Path file = Files.isDirectory(location) ? location.resolve("model.onnx") : location;
        Path folder = file.toAbsolutePath().getParent();
        String name = Files.isDirectory(location) ? String.valueOf(location.toAbsolutePath().normalize().getFileName())
                : String.valueOf(location.getFileName()).replaceFirst("\\.onnx$", "");
        if (!Files.isRegularFile(file)) {
            throw new ModelException(location + ": no ControlNet here (no model.onnx); expected a ControlNet folder with model.onnx");
        }
        OnnxModel model = OnnxModel.open(file, name + "/" + file.getFileName(), options, folder);
        try {
            return new OnnxControlNet(model, name, weightsHash(folder, file));
        } catch (ModelException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private TensorSpec input(String inputName, int rank) throws ModelException {
        TensorSpec spec = model.input(inputName).orElseThrow(() -> notAControlNet("no input '" + inputName + "'"));
        if (spec.rank() != rank || !spec.type().isFloat()) throw notAControlNet("input " + spec.describe() + " has the wrong shape or type");
        return spec;
    }

    private ModelException notAControlNet(String what) {
        return model.error("is not a ControlNet: " + what + "; " + EXPECTED);
    }

    /** The folder's name, as pictures name the model ("control_v11p_sd15_canny"). */
    public String name() {
        return name;
    }

    /** The first 8 hex digits of the SHA-256 of the weights (the largest file: model.onnx or its external data). */
    public String shortHash() {
        return shortHash;
    }

    public String label() {
        return model.label();
    }

    @Override
    public int residualCount() {
        return outputs.size();
    }

    /** The residuals' channel counts where the export declares them, else -1, in order. */
    public int[] residualChannels() {
        return outputs.stream().mapToInt(o -> o.rank() == 4 && o.isStatic(1) ? (int) o.dim(1) : -1).toArray();
    }

    /** The text width it takes, or -1 when dynamic. */
    public int textWidth() {
        return text.isStatic(2) ? (int) text.dim(2) : -1;
    }

    @Override
    public List<Tensor> residuals(Tensor latents, double t, Tensor states, Tensor controlImage, double conditioningScale)
            throws ModelException {
        int batch = latents.dim(0);
        if (states.dim(0) != batch || controlImage.dim(0) != batch) {
            throw new IllegalArgumentException("expected sample, encoder_hidden_states and controlnet_cond with the same batch, got "
                    + latents + ", " + states + ", " + controlImage);
        }
        if (text.isStatic(2) && states.dim(2) != text.dim(2)) {
            throw model.error("takes text states " + text.dim(2) + " wide, got " + states.dim(2)
                    + "; expected a ControlNet made for this base model's family");
        }
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        feeds.put(sample.name(), latents);
        feeds.put(timestep.name(), timestepTensor((float) t, batch));
        feeds.put(text.name(), states);
        feeds.put(cond.name(), controlImage);
        if (scale != null) feeds.put(scale.name(), new Tensor(new float[] {(float) conditioningScale}, scale.rank() == 0 ? new int[0] : new int[] {1}));
        Map<String, Tensor> out = model.run(feeds);
        List<Tensor> residuals = new ArrayList<>(outputs.size());
        for (TensorSpec o : outputs) {
            Tensor r = out.get(o.name());
            if (r.rank() != 4 || r.dim(0) != batch) throw model.error("expected " + o.name() + " [" + batch + ",C,h,w], got " + r);
            // An export without the scale input leaves the multiplication to the caller, as diffusers does it inside the model.
            residuals.add(scale == null && conditioningScale != 1.0 ? r.scale((float) conditioningScale) : r);
        }
        return residuals;
    }

    private Tensor timestepTensor(float t, int batch) {
        if (timestep.rank() == 0) return new Tensor(new float[] {t});
        int n = timestep.isStatic(0) ? (int) timestep.dim(0) : batch;
        float[] values = new float[n];
        Arrays.fill(values, t);
        return new Tensor(values, n);
    }

    /** SHA-256 of the largest file the graph belongs with, first 8 hex digits. */
    private static String weightsHash(Path folder, Path graph) throws ModelException {
        Path weights = graph;
        try (Stream<Path> files = Files.list(folder)) {
            long graphSize = Files.size(graph);
            for (Path p : (Iterable<Path>) files::iterator) {
                String n = p.getFileName().toString();
                boolean external = n.startsWith(graph.getFileName().toString()) || n.equals("weights.pb");
                if (external && Files.isRegularFile(p) && Files.size(p) > graphSize) {
                    weights = p;
                    graphSize = Files.size(p);
                }
            }
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(weights)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 8);
        } catch (IOException e) {
            throw new ModelException(weights + ": cannot be read: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        model.close();
    }

    @Override
    public String toString() {
        return "OnnxControlNet[" + model.label() + "]";
    }
}
