package dev.emergence.engine.model;

import dev.emergence.engine.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The CLIP text encoder of an ONNX export: {@code input_ids} [B, 77] to {@code last_hidden_state}
 * [B, 77, D]. Optimum's SDXL exports also give {@code hidden_states.0} … {@code hidden_states.N}
 * and a pooled output: {@code pooler_output} (CLIPTextModel) or {@code text_embeds}
 * (CLIPTextModelWithProjection, the pooled output projected).
 */
final class OnnxTextEncoder implements DiffusionModels.TextEncoder {
    private static final String EXPECTED_INPUT = "'input_ids' int32 [B,77]";
    private static final String EXPECTED_OUTPUT = "'last_hidden_state' [B,77,D]";

    private final OnnxModel model;
    private final TensorSpec ids;
    private final TensorSpec mask;
    private final TensorSpec hidden;
    /** hidden_states.i by i: the embeddings' output (0), then each layer's. */
    private final List<TensorSpec> hiddenStates;
    private final TensorSpec pooled;

    OnnxTextEncoder(OnnxModel model) throws ModelException {
        this.model = model;
        ids = model.requireInput("input_ids", EXPECTED_INPUT);
        if (!ids.type().isInteger() || ids.rank() != 2) {
            throw model.error("expected an input like " + EXPECTED_INPUT + ", found " + ids.describe());
        }
        // Some exports also take an attention mask; SD's pipelines attend to every position.
        mask = model.input("attention_mask").orElse(null);
        for (TensorSpec in : model.inputs()) {
            if (in != ids && in != mask) {
                throw model.error("unexpected input " + in.describe() + ": expected only " + EXPECTED_INPUT);
            }
        }
        TensorSpec out = model.output("last_hidden_state").orElseGet(() -> model.outputs().stream()
                .filter(o -> o.rank() == 3 && o.type().isFloat()).findFirst().orElse(null));
        if (out == null || out.rank() != 3 || !out.type().isFloat()) {
            throw model.error("expected an output like " + EXPECTED_OUTPUT + ", found " + OnnxModel.describe(model.outputs()));
        }
        hidden = out;
        TreeMap<Integer, TensorSpec> states = new TreeMap<>();
        for (TensorSpec o : model.outputs()) {
            String n = o.name();
            if (n.startsWith("hidden_states.") && n.length() > 14 && n.length() < 20 && n.substring(14).chars().allMatch(Character::isDigit)) {
                states.put(Integer.parseInt(n.substring(14)), o);
            }
        }
        if (!states.isEmpty() && (states.firstKey() != 0 || states.lastKey() != states.size() - 1)) {
            throw model.error("exports hidden states " + states.keySet() + "; expected hidden_states.0 to hidden_states.N without gaps");
        }
        hiddenStates = List.copyOf(states.values());
        pooled = model.output("text_embeds").or(() -> model.output("pooler_output")).orElse(null);
    }

    /** The declared width of the hidden states, or -1. */
    int declaredStateWidth() {
        if (hiddenStates.isEmpty()) return -1;
        TensorSpec h = hiddenStates.get(0);
        return h.rank() == 3 && h.isStatic(2) ? (int) Math.min(h.dim(2), Integer.MAX_VALUE) : -1;
    }

    /** How many hidden_states.N outputs the export has (layers + 1), 0 when none. */
    @Override
    public int hiddenStateCount() {
        return hiddenStates.size();
    }

    /** The pooled output's name and width when the export has one ({@code text_embeds} or {@code pooler_output}). */
    java.util.Optional<TensorSpec> pooledSpec() {
        return java.util.Optional.ofNullable(pooled);
    }

    /** D when the session declares it, else -1. */
    int declaredWidth() {
        return (int) hidden.dim(2);
    }

    /** Tokens per prompt when the session declares it, else -1. */
    int declaredLength() {
        return ids.isStatic(1) ? (int) ids.dim(1) : (hidden.isStatic(1) ? (int) hidden.dim(1) : -1);
    }

    OnnxModel model() {
        return model;
    }

    @Override
    public Tensor encode(int[][] tokenIds) throws ModelException {
        return run(tokenIds, Set.of(hidden.name())).get(hidden.name());
    }

    @Override
    public DiffusionModels.TextStates encodeStates(int[][] tokenIds, int fromEnd) throws ModelException {
        if (hiddenStates.isEmpty()) {
            throw model.error("exports no hidden states; expected outputs hidden_states.0 to hidden_states.N (export it with them)");
        }
        if (fromEnd < 1 || fromEnd > hiddenStates.size()) {
            throw model.error("has " + hiddenStates.size() + " hidden states; hidden_states[-" + fromEnd + "] does not exist");
        }
        String name = hiddenStates.get(hiddenStates.size() - fromEnd).name();
        Set<String> wanted = pooled == null ? Set.of(name) : Set.of(name, pooled.name());
        Map<String, Tensor> out = run(tokenIds, wanted);
        Tensor states = out.get(name);
        if (states.rank() != 3 || states.dim(0) != tokenIds.length || states.dim(1) != tokenIds[0].length) {
            throw model.error("expected " + name + " [" + tokenIds.length + "," + tokenIds[0].length + ",D], got " + states);
        }
        Tensor pool = pooled == null ? null : out.get(pooled.name());
        if (pool != null && (pool.rank() != 2 || pool.dim(0) != tokenIds.length)) {
            throw model.error("expected " + pooled.name() + " [" + tokenIds.length + ",P], got " + pool);
        }
        return new DiffusionModels.TextStates(states, pool);
    }

    private Map<String, Tensor> run(int[][] tokenIds, Set<String> wanted) throws ModelException {
        if (tokenIds.length == 0) throw new IllegalArgumentException("no prompts to encode");
        int length = tokenIds[0].length;
        int declared = declaredLength();
        float[] data = new float[tokenIds.length * length];
        for (int b = 0; b < tokenIds.length; b++) {
            if (tokenIds[b].length != length) {
                throw new IllegalArgumentException("prompts of different lengths: " + length + " and " + tokenIds[b].length);
            }
            // ids are below 2^24, so float32 carries them exactly to the int conversion
            for (int i = 0; i < length; i++) data[b * length + i] = tokenIds[b][i];
        }
        if (declared > 0 && length != declared) {
            throw model.error("takes " + declared + " tokens per prompt, got " + length);
        }
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        Tensor idTensor = new Tensor(data, tokenIds.length, length);
        feeds.put(ids.name(), idTensor);
        if (mask != null) {
            float[] ones = new float[data.length];
            java.util.Arrays.fill(ones, 1f);
            feeds.put(mask.name(), new Tensor(ones, tokenIds.length, length));
        }
        Map<String, Tensor> results = model.run(feeds, wanted);
        Tensor out = results.get(hidden.name());
        if (out != null && (out.rank() != 3 || out.dim(0) != tokenIds.length || out.dim(1) != length)) {
            throw model.error("expected " + EXPECTED_OUTPUT + " for " + tokenIds.length + " prompts, got " + out);
        }
        return results;
    }
}
