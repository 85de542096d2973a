package dev.emergence.engine.text;

import dev.emergence.engine.tensor.Tensor;

import java.util.List;

/**
 * The text conditioning of one generation.
 *
 * @param cond            the prompt's embeddings, [1, windows·77, D]
 * @param uncond          the negative prompt's embeddings, same shape as {@code cond}; null when
 *                        guidance is off and none was asked for
 * @param windows         77-position windows in each of {@code cond} and {@code uncond}
 * @param tokenCount      content tokens of the prompt
 * @param unknownWords    words of the prompt, then of the negative prompt, that the vocabulary does not know
 * @param textEncodeNanos time spent in the text encoder itself, tokenizing excluded
 */
public record PromptEmbeddings(Tensor cond, Tensor uncond, int windows, int tokenCount,
                               List<String> unknownWords, long textEncodeNanos) {
    public PromptEmbeddings {
        unknownWords = List.copyOf(unknownWords);
    }

    public boolean hasUncond() {
        return uncond != null;
    }
}
