package dev.emergence.engine.family;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.model.DiffusionModels;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.tensor.Tensor;
import dev.emergence.engine.text.ClipTokenizer;
import dev.emergence.engine.text.EmbeddingWeights;
import dev.emergence.engine.text.TokenizedPrompt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SDXL's conditioning, as diffusers' StableDiffusionXLPipeline.encode_prompt builds it: both text
 * encoders' penultimate hidden states ({@code hidden_states[-2]}) side by side along the width; the
 * second encoder's pooled, projected output as {@code text_embeds}; {@code time_ids} = original size,
 * crop top-left, target size, here (h, w, 0, 0, h, w). With {@code force_zeros_for_empty_prompt} an
 * empty negative prompt conditions on zeros, as diffusers does when none is given.
 *
 * <p>A prompt longer than one window is encoded window by window for both encoders and joined along
 * the tokens (diffusers truncates at 77 instead; AUTOMATIC1111 joins, and takes the pooled output of
 * the first window, as here). Prompts are read with A1111's attention syntax; each encoder's states
 * are weighted window by window as A1111 weights them, the pooled output is not (A1111 takes it from
 * the unweighted first window too).
 */
public final class SdxlConditioner implements Conditioner {
    /**
     * diffusers' default: the penultimate layer (hidden_states[-2]); Clip skip n takes
     * hidden_states[-(n + 1)], as diffusers' clip_skip = n − 1 takes hidden_states[-(clip_skip + 2)].
     */
    static final int LAYER_FROM_END = 2;

    private final DiffusionModels.TextEncoder first;
    private final ClipTokenizer firstTokenizer;
    private final DiffusionModels.TextEncoder second;
    private final ClipTokenizer secondTokenizer;
    private final boolean forceZerosForEmptyPrompt;

    public SdxlConditioner(DiffusionModels.TextEncoder first, ClipTokenizer firstTokenizer,
                           DiffusionModels.TextEncoder second, ClipTokenizer secondTokenizer,
                           boolean forceZerosForEmptyPrompt) {
        this.first = first;
        this.firstTokenizer = firstTokenizer;
        this.second = second;
        this.secondTokenizer = secondTokenizer;
        this.forceZerosForEmptyPrompt = forceZerosForEmptyPrompt;
    }

    /** Clip skip n takes hidden_states[-(n + 1)] of both encoders: as far back as the shallower one reaches. */
    @Override
    public int clipSkipLimit() {
        int states = Math.min(first.hiddenStateCount(), second.hiddenStateCount());
        return Math.max(1, states - LAYER_FROM_END + 1);
    }

    @Override
    public Conditioning condition(TextRequest r) throws ModelException, InvalidRequestException {
        if (r.clipSkip() > clipSkipLimit()) {
            throw new InvalidRequestException("clip skip: " + r.clipSkip() + " reaches past this model's text encoders ("
                    + Math.min(first.hiddenStateCount(), second.hiddenStateCount()) + " hidden states); expected 1 to " + clipSkipLimit());
        }
        boolean guided = r.cfgScale() > 1.0;
        boolean zeroNegative = guided && forceZerosForEmptyPrompt && r.negativePrompt().isEmpty();
        boolean encodeNegative = guided && !zeroNegative;

        // Every prompt of both encoders gets the same number of windows, so the rows line up.
        TokenizedPrompt pos1 = firstTokenizer.tokenize(r.prompt(), 1).requireWithinBound("prompt");
        TokenizedPrompt pos2 = secondTokenizer.tokenize(r.prompt(), 1).requireWithinBound("prompt");
        int k = Math.max(pos1.windowCount(), pos2.windowCount());
        TokenizedPrompt neg1 = null, neg2 = null;
        if (encodeNegative) {
            neg1 = firstTokenizer.tokenize(r.negativePrompt(), k).requireWithinBound("negative prompt");
            neg2 = secondTokenizer.tokenize(r.negativePrompt(), k).requireWithinBound("negative prompt");
            k = Math.max(k, Math.max(neg1.windowCount(), neg2.windowCount()));
            neg1 = padded(firstTokenizer, r.negativePrompt(), neg1, k);
            neg2 = padded(secondTokenizer, r.negativePrompt(), neg2, k);
        }
        pos1 = padded(firstTokenizer, r.prompt(), pos1, k);
        pos2 = padded(secondTokenizer, r.prompt(), pos2, k);

        long t0 = System.nanoTime();
        int promptLayer = LAYER_FROM_END + r.clipSkip() - 1;
        DiffusionModels.TextStates s1 = encode(first, pos1, neg1, promptLayer);
        DiffusionModels.TextStates s2 = encode(second, pos2, neg2, promptLayer);
        long nanos = System.nanoTime() - t0;
        if (s2.pooled() == null) {
            throw new ModelException("text_encoder_2: gives no pooled output; expected 'text_embeds' [B,1280]");
        }
        int length = firstTokenizer.maxLength();
        if (secondTokenizer.maxLength() != length || s1.hidden().dim(1) != length || s2.hidden().dim(1) != length) {
            throw new ModelException("text_encoder_2: takes windows of " + secondTokenizer.maxLength() + " tokens but text_encoder takes "
                    + length + "; expected the same for both encoders");
        }
        int w1 = s1.hidden().dim(2), w2 = s2.hidden().dim(2), width = w1 + w2, poolWidth = s2.pooled().dim(1);

        // The attention syntax's weights: A1111 wraps each encoder on its own, so each is weighted
        // and keeps its own mean before the two are put side by side.
        Tensor h1 = EmbeddingWeights.apply(s1.hidden(), pos1.weightsThen(neg1));
        Tensor h2 = EmbeddingWeights.apply(s2.hidden(), pos2.weightsThen(neg2));

        Tensor cond = joined(h1, h2, 0, k);
        Tensor condPooled = row(s2.pooled(), 0);
        Tensor states = cond, pooled = condPooled;
        if (guided) {
            Tensor uncond = zeroNegative ? Tensor.zeros(1, k * length, width) : joined(h1, h2, k, k);
            Tensor uncondPooled = zeroNegative ? Tensor.zeros(1, poolWidth) : row(s2.pooled(), k);
            states = Tensor.concatBatch(uncond, cond);
            pooled = Tensor.concatBatch(uncondPooled, condPooled);
        }
        int batch = states.dim(0);
        float[] ids = new float[batch * 6];
        for (int b = 0; b < batch; b++) {
            float[] one = {r.height(), r.width(), 0, 0, r.height(), r.width()};
            System.arraycopy(one, 0, ids, b * 6, 6);
        }
        Map<String, Tensor> extra = new LinkedHashMap<>();
        extra.put("text_embeds", pooled);
        extra.put("time_ids", new Tensor(ids, batch, 6));

        Set<String> unknown = new LinkedHashSet<>(pos1.unknownWords());
        if (neg1 != null) unknown.addAll(neg1.unknownWords());
        return new Conditioning(states, extra, guided, k, pos1.tokenCount(), new ArrayList<>(unknown), Conditioning.unguidedNotice(r), nanos);
    }

    /**
     * One encoder's states for rows [prompt windows; negative windows]. Clip skip moves the prompt's
     * layer only: diffusers' encode_prompt takes hidden_states[-(clip_skip + 2)] for the prompt and
     * hidden_states[-2] for the negative prompt.
     */
    private static DiffusionModels.TextStates encode(DiffusionModels.TextEncoder encoder, TokenizedPrompt pos, TokenizedPrompt neg,
                                                     int promptLayer) throws ModelException {
        if (neg == null || promptLayer == LAYER_FROM_END) return encoder.encodeStates(pos.windowsThen(neg), promptLayer);
        DiffusionModels.TextStates p = encoder.encodeStates(pos.windows(), promptLayer);
        DiffusionModels.TextStates n = encoder.encodeStates(neg.windows(), LAYER_FROM_END);
        Tensor pooled = p.pooled() == null || n.pooled() == null ? null : Tensor.concatBatch(p.pooled(), n.pooled());
        return new DiffusionModels.TextStates(Tensor.concatBatch(p.hidden(), n.hidden()), pooled);
    }

    /** {@code tokenized} ({@code text} at fewer windows), or {@code text} again at {@code k} windows when it has fewer. */
    private static TokenizedPrompt padded(ClipTokenizer tokenizer, String text, TokenizedPrompt tokenized, int k) {
        return tokenized.windowCount() >= k ? tokenized : tokenizer.tokenize(text, k);
    }

    /** Rows [from, from + k) of both encoders' [rows, L, w] states, side by side and joined along the tokens: [1, k·L, w1 + w2]. */
    static Tensor joined(Tensor a, Tensor b, int from, int k) {
        int length = a.dim(1), wa = a.dim(2), wb = b.dim(2), w = wa + wb;
        float[] out = new float[k * length * w], da = a.data(), db = b.data();
        for (int row = 0; row < k; row++) {
            for (int p = 0; p < length; p++) {
                int dst = (row * length + p) * w;
                System.arraycopy(da, ((from + row) * length + p) * wa, out, dst, wa);
                System.arraycopy(db, ((from + row) * length + p) * wb, out, dst + wa, wb);
            }
        }
        return new Tensor(out, 1, k * length, w);
    }

    private static Tensor row(Tensor t, int i) {
        int w = t.dim(1);
        return new Tensor(java.util.Arrays.copyOfRange(t.data(), i * w, (i + 1) * w), 1, w);
    }
}
