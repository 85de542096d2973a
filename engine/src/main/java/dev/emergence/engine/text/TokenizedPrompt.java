package dev.emergence.engine.text;

import java.util.List;

/**
 * A prompt ready for the text encoder.
 *
 * @param windows      one row per window of the model's length (77 for CLIP): start token, up to
 *                     length − 2 content ids, end token, padding; the arrays are not copied, treat them as read-only
 * @param weights      the attention weight of each position of {@code windows} (1 for start, end and
 *                     padding, and for text outside any {@code (…)} or {@code […]}); same shape, not copied
 * @param tokenCount   content tokens in the prompt (start, end and padding not counted; the attention syntax
 *                     and BREAK are not tokens)
 * @param unknownWords words of the prompt, in order and without repeats, that the vocabulary maps to
 *                     its unknown token: words the model never saw
 */
public record TokenizedPrompt(int[][] windows, float[][] weights, int tokenCount, List<String> unknownWords) {
    public TokenizedPrompt {
        unknownWords = List.copyOf(unknownWords);
        if (weights.length != windows.length) {
            throw new IllegalArgumentException(weights.length + " rows of weights for " + windows.length + " windows");
        }
    }

    public int windowCount() {
        return windows.length;
    }

    /** Whether any position has a weight other than 1, so the encoder's states need {@link EmbeddingWeights}. */
    public boolean weighted() {
        for (float[] row : weights) {
            for (float w : row) {
                if (w != 1f) return true;
            }
        }
        return false;
    }
}
