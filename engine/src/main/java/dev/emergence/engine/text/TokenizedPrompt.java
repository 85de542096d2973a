package dev.emergence.engine.text;

import dev.emergence.engine.InvalidRequestException;

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
    /**
     * The most windows a prompt may take (32 × 75 = 2400 tokens of CLIP). Every window is another
     * text-encoder row and 77 more keys in each of the UNet's cross-attentions at every step, so the
     * bound keeps a prompt of dense text (punctuation, scripts the vocabulary spells byte by byte, up
     * to three tokens a character, or BREAK after BREAK) from making a generation hundreds of times slower.
     */
    public static final int MAX_WINDOWS = 32;

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

    /** The windows of this prompt, then those of {@code then} (none when null): one text-encoder batch. */
    public int[][] windowsThen(TokenizedPrompt then) {
        return then == null ? windows : join(windows, then.windows);
    }

    /** The weights of {@link #windowsThen}'s rows. */
    public float[][] weightsThen(TokenizedPrompt then) {
        return then == null ? weights : join(weights, then.weights);
    }

    private static <T> T[] join(T[] a, T[] b) {
        T[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /**
     * This prompt, unless it takes more than {@link #MAX_WINDOWS} windows.
     *
     * @param what "prompt" or "negative prompt", for the message
     */
    public TokenizedPrompt requireWithinBound(String what) throws InvalidRequestException {
        if (windows.length > MAX_WINDOWS) {
            int capacity = windows.length == 0 ? 0 : windows[0].length - 2;
            throw new InvalidRequestException(what + ": its " + tokenCount + " tokens take " + windows.length + " windows of "
                    + capacity + "; expected at most " + MAX_WINDOWS + " windows (" + MAX_WINDOWS * capacity + " tokens)");
        }
        return this;
    }
}
