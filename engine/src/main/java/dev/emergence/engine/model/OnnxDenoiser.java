package dev.emergence.engine.model;

import dev.emergence.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The UNet of an ONNX export: {@code sample} [B, 4|9, h, w], {@code timestep} [B] (int64, float32 or
 * float16, as the export declares), {@code encoder_hidden_states} [B, 77, D] to {@code out_sample}
 * [B, 4, h, w]; SDXL UNets also take {@code text_embeds} [B, 1280] and {@code time_ids} [B, 6], LCM
 * UNets {@code timestep_cond} [B, E] (optimum's names). A ControlNet UNet (OnnxStack's export) also
 * takes {@code down_block_0_additional_residual} .. {@code down_block_N-1_additional_residual} and
 * {@code mid_block_additional_residual}, each [B, C, h, w], which a ControlNet supplies; given none they
 * are zero, so such a UNet also generates without control. A UNet exported with a static batch size is
 * run a piece at a time.
 */
final class OnnxDenoiser implements DiffusionModels.Denoiser {
    private static final String EXPECTED_SAMPLE = "'sample' [B,4|9,h,w]";
    private static final String EXPECTED_TIMESTEP = "'timestep' [B] (int64, float32 or float16)";
    private static final String EXPECTED_TEXT = "'encoder_hidden_states' [B,77,D]";
    private static final String EXPECTED_OUTPUT = "'out_sample' [B,4,h,w]";
    /** The inputs a model family adds, with the family that adds them. */
    static final Map<String, String> FAMILY_INPUTS = Map.of(
            "text_embeds", "SDXL's pooled text embeddings [B,1280]",
            "time_ids", "SDXL's size and crop ids [B,6]",
            "timestep_cond", "LCM's guidance embedding [B,E]");
    static final String EXPECTED_INPUTS = "expected sample, timestep and encoder_hidden_states, plus text_embeds and time_ids (SDXL) "
            + "or timestep_cond (LCM), or a ControlNet UNet's down_block_N_additional_residual and mid_block_additional_residual";
    /** A ControlNet UNet's residual inputs, OnnxStack's names. */
    static final java.util.regex.Pattern DOWN_RESIDUAL = java.util.regex.Pattern.compile("down_block_(\\d{1,3})_additional_residual");
    static final String MID_RESIDUAL = "mid_block_additional_residual";

    private final OnnxModel model;
    private final TensorSpec sample;
    private final TensorSpec timestep;
    private final TensorSpec text;
    private final TensorSpec out;
    private final Map<String, TensorSpec> extras;
    /** The residual inputs in order (down blocks 0..N-1, then the mid block); empty for a plain UNet. */
    private final List<TensorSpec> residuals;
    private volatile int inChannels;

    OnnxDenoiser(OnnxModel model) throws ModelException {
        this.model = model;
        sample = model.requireInput("sample", EXPECTED_SAMPLE);
        if (sample.rank() != 4 || !sample.type().isFloat()
                || (sample.isStatic(1) && sample.dim(1) != 4 && sample.dim(1) != 9)) {
            throw model.error("expected an input like " + EXPECTED_SAMPLE + ", found " + sample.describe());
        }
        timestep = model.requireInput("timestep", EXPECTED_TIMESTEP);
        if (timestep.rank() > 1 || timestep.type() == ElementType.OTHER) {
            throw model.error("expected an input like " + EXPECTED_TIMESTEP + ", found " + timestep.describe());
        }
        text = model.requireInput("encoder_hidden_states", EXPECTED_TEXT);
        if (text.rank() != 3 || !text.type().isFloat()) {
            throw model.error("expected an input like " + EXPECTED_TEXT + ", found " + text.describe());
        }
        Map<String, TensorSpec> extra = new LinkedHashMap<>();
        java.util.TreeMap<Integer, TensorSpec> down = new java.util.TreeMap<>();
        TensorSpec mid = null;
        for (TensorSpec in : model.inputs()) {
            if (Set.of(sample.name(), timestep.name(), text.name()).contains(in.name())) continue;
            var residual = DOWN_RESIDUAL.matcher(in.name());
            if (residual.matches() || in.name().equals(MID_RESIDUAL)) {
                if (in.rank() != 4 || !in.type().isFloat()) {
                    throw model.error("expected a ControlNet residual input like '" + in.name() + "' [B,C,h,w] (float), found " + in.describe());
                }
                if (residual.matches()) down.put(Integer.parseInt(residual.group(1)), in);
                else mid = in;
                continue;
            }
            if (!FAMILY_INPUTS.containsKey(in.name())) {
                throw model.error("unexpected input " + in.describe() + ": " + EXPECTED_INPUTS);
            }
            if (in.rank() != 2 || !in.type().isFloat()) {
                throw model.error("expected an input like '" + in.name() + "' " + FAMILY_INPUTS.get(in.name()) + ", found " + in.describe());
            }
            extra.put(in.name(), in);
        }
        if (extra.containsKey("text_embeds") != extra.containsKey("time_ids")) {
            throw model.error("takes " + (extra.containsKey("text_embeds") ? "text_embeds without time_ids" : "time_ids without text_embeds")
                    + "; expected both (an SDXL UNet) or neither");
        }
        extras = Map.copyOf(extra);
        if (!down.isEmpty() || mid != null) {
            if (mid == null || down.isEmpty() || down.firstKey() != 0 || down.lastKey() != down.size() - 1) {
                throw model.error("takes ControlNet residuals " + (mid == null ? "without " + MID_RESIDUAL : "down_block_" + down.keySet()
                        + "_additional_residual") + "; expected down_block_0_additional_residual .. down_block_N-1_additional_residual and "
                        + MID_RESIDUAL);
            }
        }
        List<TensorSpec> res = new ArrayList<>(down.values());
        if (mid != null) res.add(mid);
        residuals = List.copyOf(res);
        TensorSpec o = model.output("out_sample").orElse(model.outputs().size() == 1 ? model.outputs().get(0) : null);
        if (o == null || o.rank() != 4 || !o.type().isFloat()) {
            throw model.error("expected an output like " + EXPECTED_OUTPUT + ", found " + OnnxModel.describe(model.outputs()));
        }
        out = o;
        inChannels = sample.isStatic(1) ? (int) sample.dim(1) : -1;
    }

    OnnxModel model() {
        return model;
    }

    /** The inputs beyond sample, timestep and encoder_hidden_states, by name. */
    Map<String, TensorSpec> extraInputs() {
        return extras;
    }

    /** The ControlNet residual inputs in the order a ControlNet returns them (down blocks, then mid); empty for a plain UNet. */
    List<TensorSpec> residualSpecs() {
        return residuals;
    }

    @Override
    public List<String> residualInputs() {
        return residuals.stream().map(TensorSpec::name).toList();
    }

    TensorSpec sampleSpec() {
        return sample;
    }

    TensorSpec textSpec() {
        return text;
    }

    TensorSpec outputSpec() {
        return out;
    }

    ElementType timestepType() {
        return timestep.type();
    }

    /** The static batch size, or 0 when the batch is dynamic. */
    int fixedBatch() {
        return sample.isStatic(0) ? (int) sample.dim(0) : 0;
    }

    /** Input channels when known (declared, configured or probed), else -1. */
    int inChannels() {
        return inChannels;
    }

    void setInChannels(int channels) {
        inChannels = channels;
    }

    /**
     * Finds the input channels of a UNet whose {@code sample} declares none (diffusers exports mark
     * the channel axis dynamic) by running it once on zeros: 4 channels, else 9.
     */
    int probeInChannels(int textLength, int textWidth) throws ModelException {
        int h = sample.isStatic(2) ? (int) sample.dim(2) : 8;
        int w = sample.isStatic(3) ? (int) sample.dim(3) : 8;
        int batch = Math.max(1, fixedBatch());
        ModelException last = null;
        for (int channels : new int[] {4, 9}) {
            Map<String, Tensor> extra = new LinkedHashMap<>();
            for (TensorSpec e : extras.values()) extra.put(e.name(), Tensor.zeros(batch, e.isStatic(1) ? (int) e.dim(1) : 6));
            Map<String, Tensor> feeds = feeds(Tensor.zeros(batch, channels, h, w), 500, Tensor.zeros(batch, textLength, textWidth),
                    withZeroResiduals(extra, batch));
            try {
                model.run(feeds);
                return channels;
            } catch (ModelException e) {
                last = e;
            }
        }
        String cause = last.getMessage().startsWith(model.label() + ": ")
                ? last.getMessage().substring(model.label().length() + 2) : last.getMessage();
        throw model.error("takes neither 4- nor 9-channel latents (" + cause + ")");
    }

    @Override
    public Tensor predict(Tensor latents, double t, Tensor encoderHiddenStates) throws ModelException {
        return predict(latents, t, encoderHiddenStates, Map.of());
    }

    @Override
    public Tensor predict(Tensor latents, double t, Tensor encoderHiddenStates, Map<String, Tensor> extraInputs) throws ModelException {
        return predict(latents, t, encoderHiddenStates, extraInputs, false);
    }

    /** With the CPU arena shrunk after the run when the options ask for it ({@code CpuMemory.shrinkAfterDenoising}). */
    @Override
    public Tensor predictLast(Tensor latents, double t, Tensor encoderHiddenStates, Map<String, Tensor> extraInputs) throws ModelException {
        return predict(latents, t, encoderHiddenStates, extraInputs, model.options().cpuMemory().shrinkAfterDenoising());
    }

    private Tensor predict(Tensor latents, double t, Tensor encoderHiddenStates, Map<String, Tensor> extraInputs, boolean shrink)
            throws ModelException {
        Map<String, Tensor> family = new LinkedHashMap<>(extraInputs);
        Map<String, Tensor> given = new LinkedHashMap<>();
        for (TensorSpec r : residuals) {
            Tensor v = family.remove(r.name());
            if (v != null) given.put(r.name(), v);
        }
        if (!family.keySet().equals(extras.keySet()) || (!given.isEmpty() && given.size() != residuals.size())) {
            throw new IllegalArgumentException(model.label() + " takes the extra inputs " + extras.keySet()
                    + (residuals.isEmpty() ? "" : " and the residuals " + residualInputs()) + ", got " + extraInputs.keySet());
        }
        for (Map.Entry<String, Tensor> e : given.entrySet()) {
            Tensor v = e.getValue();
            if (v.rank() != 4 || v.dim(0) != latents.dim(0)) {
                throw new IllegalArgumentException("expected " + e.getKey() + " [" + latents.dim(0) + ",C,h,w], got " + v);
            }
        }
        for (Map.Entry<String, Tensor> e : family.entrySet()) {
            TensorSpec spec = extras.get(e.getKey());
            Tensor v = e.getValue();
            if (v.rank() != 2 || v.dim(0) != latents.dim(0)) {
                throw new IllegalArgumentException("expected " + e.getKey() + " [" + latents.dim(0) + ",N], got " + v);
            }
            if (spec.isStatic(1) && v.dim(1) != spec.dim(1)) {
                throw model.error("takes " + e.getKey() + " " + spec.dim(1) + " wide, got " + v.dim(1)
                        + " (the text encoders and the UNet are from different models?)");
            }
        }
        if (latents.rank() != 4 || encoderHiddenStates.rank() != 3 || latents.dim(0) != encoderHiddenStates.dim(0)) {
            throw new IllegalArgumentException("expected sample [B,C,h,w] and encoder_hidden_states [B,77,D] with the same B, got "
                    + latents + " and " + encoderHiddenStates);
        }
        if (inChannels > 0 && latents.dim(1) != inChannels) {
            throw model.error("takes " + inChannels + "-channel latents"
                    + (inChannels == 9 ? " (an inpainting model: latents, mask and masked-image latents)" : "")
                    + ", got " + latents.dim(1));
        }
        if (text.isStatic(2) && encoderHiddenStates.dim(2) != text.dim(2)) {
            throw model.error("takes text states " + text.dim(2) + " wide, got " + encoderHiddenStates.dim(2));
        }
        if ((sample.isStatic(2) && latents.dim(2) != sample.dim(2)) || (sample.isStatic(3) && latents.dim(3) != sample.dim(3))) {
            throw model.error("only takes " + sample.dim(2) + "x" + sample.dim(3) + " latents (a fixed-shape export), got "
                    + latents.dim(2) + "x" + latents.dim(3));
        }
        int batch = latents.dim(0);
        Map<String, Tensor> all = new LinkedHashMap<>(family);
        all.putAll(given.isEmpty() ? withZeroResiduals(Map.of(), batch) : given);
        extraInputs = all;
        int fixed = fixedBatch();
        if (fixed == 0 || fixed == batch) return runOnce(latents, t, encoderHiddenStates, extraInputs, shrink);
        if (batch % fixed != 0) {
            throw model.error("has a fixed batch of " + fixed + ", which does not divide a batch of " + batch);
        }
        List<Tensor> parts = new ArrayList<>();
        for (int from = 0; from < batch; from += fixed) {
            Map<String, Tensor> extraPart = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : extraInputs.entrySet()) extraPart.put(e.getKey(), slice(e.getValue(), from, fixed));
            parts.add(runOnce(slice(latents, from, fixed), t, slice(encoderHiddenStates, from, fixed), extraPart,
                    shrink && from + fixed == batch));
        }
        return Tensor.concatBatch(parts.toArray(new Tensor[0]));
    }

    /**
     * {@code extra} with zero residuals for a ControlNet UNet run without control. A residual is added
     * to a block's output, so where the export leaves its channels or size dynamic (OnnxStack's does)
     * a zero of size 1 there broadcasts over the block; declared sizes are used as declared.
     */
    private Map<String, Tensor> withZeroResiduals(Map<String, Tensor> extra, int batch) {
        if (residuals.isEmpty()) return extra;
        Map<String, Tensor> all = new LinkedHashMap<>(extra);
        for (TensorSpec r : residuals) {
            int[] shape = {batch, 1, 1, 1};
            for (int d = 1; d < 4; d++) if (r.isStatic(d)) shape[d] = (int) r.dim(d);
            all.put(r.name(), Tensor.zeros(shape));
        }
        return all;
    }

    /** Bare session runs on these inputs (batch as given), for the benchmark. */
    long[] timeRawRuns(Tensor latents, double t, Tensor states, Map<String, Tensor> extraInputs, int runs, boolean last)
            throws ModelException {
        Map<String, Tensor> inputs = extraInputs.keySet().containsAll(residualInputs()) ? extraInputs
                : withZeroResiduals(extraInputs, latents.dim(0));
        return model.timeRawRuns(feeds(latents, t, states, inputs), runs, last && model.options().cpuMemory().shrinkAfterDenoising());
    }

    private Tensor runOnce(Tensor latents, double t, Tensor states, Map<String, Tensor> extraInputs, boolean shrink)
            throws ModelException {
        Tensor result = model.run(feeds(latents, t, states, extraInputs), Set.of(out.name()), shrink).get(out.name());
        if (result.rank() != 4 || result.dim(0) != latents.dim(0) || result.dim(2) != latents.dim(2) || result.dim(3) != latents.dim(3)) {
            throw model.error("expected " + EXPECTED_OUTPUT + " for sample " + latents + ", got " + result);
        }
        return result;
    }

    private Map<String, Tensor> feeds(Tensor latents, double t, Tensor states, Map<String, Tensor> extraInputs) {
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        feeds.put(sample.name(), latents);
        feeds.put(timestep.name(), timestepTensor((float) t, latents.dim(0)));
        feeds.put(text.name(), states);
        feeds.putAll(extraInputs);
        return feeds;
    }

    /**
     * The timestep as the export wants it: a scalar, [1] when the batch axis is static 1 (it
     * broadcasts), else one per batch item. Converted to int64 it is truncated, as numpy's
     * {@code np.array([t], dtype=np.int64)} in diffusers' ONNX pipelines truncates.
     */
    private Tensor timestepTensor(float t, int batch) {
        if (timestep.rank() == 0) return new Tensor(new float[] {t});
        int n = timestep.isStatic(0) ? (int) timestep.dim(0) : batch;
        float[] values = new float[n];
        Arrays.fill(values, t);
        return new Tensor(values, n);
    }

    /** Batch items [from, from + count) of an N... tensor. */
    static Tensor slice(Tensor t, int from, int count) {
        int per = t.size() / t.dim(0);
        int[] shape = t.shape();
        shape[0] = count;
        return new Tensor(Arrays.copyOfRange(t.data(), from * per, (from + count) * per), shape);
    }
}
