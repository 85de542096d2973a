package dev.emergence.engine.text;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.model.DiffusionModels;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Prompt and negative prompt to text-encoder embeddings. A prompt longer than one window is
 * encoded window by window and the results are joined along the token axis (as AUTOMATIC1111
 * does), giving [1, k·77, D]; the negative prompt gets the same k, padded with empty windows, so
 * the two can be batched for classifier-free guidance. Both are read with A1111's attention syntax
 * ({@link PromptAttention}) and each window's states are weighted by {@link EmbeddingWeights}.
 * Either takes at most {@link TokenizedPrompt#MAX_WINDOWS} windows.
 */
public final class PromptEncoder {
    private final DiffusionModels.TextEncoder textEncoder;
    private final ClipTokenizer tokenizer;

    public PromptEncoder(DiffusionModels.TextEncoder textEncoder, ClipTokenizer tokenizer) {
        this.textEncoder = Objects.requireNonNull(textEncoder, "textEncoder");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    }

    /**
     * @param negativePrompt used only when {@code needUncond}; null is the empty prompt
     * @param needUncond     whether to compute the unconditional (negative) embeddings too
     * @throws InvalidRequestException when a prompt takes more than {@link TokenizedPrompt#MAX_WINDOWS} windows
     */
    public PromptEmbeddings encode(String prompt, String negativePrompt, boolean needUncond)
            throws ModelException, InvalidRequestException {
        TokenizedPrompt pos = tokenizer.tokenize(prompt == null ? "" : prompt, 1).requireWithinBound("prompt");
        TokenizedPrompt neg = null;
        int k = pos.windowCount();
        if (needUncond) {
            neg = tokenizer.tokenize(negativePrompt == null ? "" : negativePrompt, k).requireWithinBound("negative prompt");
            if (neg.windowCount() > k) {
                k = neg.windowCount();
                pos = tokenizer.tokenize(prompt == null ? "" : prompt, k);
            }
        }

        // One encoder call for both prompts: rows [prompt windows; negative windows].
        int[][] batch = pos.windowsThen(neg);
        long t0 = System.nanoTime();
        Tensor out = textEncoder.encode(batch);
        long nanos = System.nanoTime() - t0;

        int length = tokenizer.maxLength();
        if (out.rank() != 3 || out.dim(0) != batch.length || out.dim(1) != length) {
            throw new ModelException("text encoder: returned " + out + " for " + batch.length + " windows of "
                    + length + " tokens; expected [" + batch.length + ", " + length + ", D]");
        }
        // The attention syntax's weights, applied window by window as AUTOMATIC1111 applies them.
        out = EmbeddingWeights.apply(out, pos.weightsThen(neg));
        int dim = out.dim(2);
        // [k, 77, D] rows are contiguous, so joining windows along the token axis is a reshape.
        int half = k * length * dim;
        float[] data = out.data();
        Tensor cond = new Tensor(Arrays.copyOfRange(data, 0, half), 1, k * length, dim);
        Tensor uncond = neg == null ? null : new Tensor(Arrays.copyOfRange(data, half, 2 * half), 1, k * length, dim);

        Set<String> unknown = new LinkedHashSet<>(pos.unknownWords());
        if (neg != null) unknown.addAll(neg.unknownWords());
        return new PromptEmbeddings(cond, uncond, k, pos.tokenCount(), List.copyOf(unknown), nanos);
    }

}
