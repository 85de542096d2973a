package dev.emergence.engine.model;

import dev.emergence.engine.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/** The CLIP text encoder of an ONNX export: {@code input_ids} [B, 77] to {@code last_hidden_state} [B, 77, D]. */
final class OnnxTextEncoder implements DiffusionModels.TextEncoder {
    private static final String EXPECTED_INPUT = "'input_ids' int32 [B,77]";
    private static final String EXPECTED_OUTPUT = "'last_hidden_state' [B,77,D]";

    private final OnnxModel model;
    private final TensorSpec ids;
    private final TensorSpec mask;
    private final TensorSpec hidden;

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
        Tensor out = model.run(feeds).get(hidden.name());
        if (out.rank() != 3 || out.dim(0) != tokenIds.length || out.dim(1) != length) {
            throw model.error("expected " + EXPECTED_OUTPUT + " for " + tokenIds.length + " prompts, got " + out);
        }
        return out;
    }
}
