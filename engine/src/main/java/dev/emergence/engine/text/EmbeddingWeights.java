package dev.emergence.engine.text;

import dev.emergence.engine.tensor.Tensor;

/**
 * Attention weights applied to a text encoder's output the way AUTOMATIC1111 applies them (its
 * "Original" emphasis, modules/sd_emphasis.py, called from sd_hijack_clip.py's process_tokens): after
 * a window is encoded, each token's embedding is multiplied by its weight, then the whole window is
 * rescaled so that its mean over all tokens and channels is what it was before
 * ({@code z *= original_mean / new_mean}).
 *
 * <p>A1111 takes the mean over the batch it encodes, which is one prompt's window; here each row is
 * one window of one prompt, so each row keeps its own mean. Means are rounded to float as torch's
 * float32 {@code mean()} gives them. Where the weighted window's mean is exactly 0 the rescale is
 * undefined (A1111 would divide by zero and fill the window with infinities or NaN); the window is
 * then left weighted but not rescaled.
 */
public final class EmbeddingWeights {
    private EmbeddingWeights() {
    }

    /**
     * @param states  [rows, L, D]: one window per row
     * @param weights [rows][L]: the weight of each position of each row
     * @return the weighted states, a new tensor; {@code states} itself when every weight is 1 (the
     *         multiplication and rescale would then give it back unchanged)
     */
    public static Tensor apply(Tensor states, float[][] weights) {
        if (states.rank() != 3) throw new IllegalArgumentException("states must be [rows, L, D], got " + states);
        int rows = states.dim(0), length = states.dim(1), dim = states.dim(2);
        if (weights.length != rows) throw new IllegalArgumentException(weights.length + " rows of weights for " + states);
        boolean any = false;
        for (float[] row : weights) {
            if (row.length != length) throw new IllegalArgumentException(row.length + " weights for windows of " + length + " positions");
            for (float w : row) any |= w != 1f;
        }
        if (!any) return states;

        float[] in = states.data();
        float[] out = new float[in.length];
        int window = length * dim;
        for (int r = 0; r < rows; r++) {
            int base = r * window;
            float[] w = weights[r];
            double before = 0, after = 0;
            for (int p = 0; p < length; p++) {
                float m = w[p];
                int at = base + p * dim;
                for (int c = 0; c < dim; c++) {
                    float v = in[at + c];
                    float weighted = v * m;
                    out[at + c] = weighted;
                    before += v;
                    after += weighted;
                }
            }
            float originalMean = (float) (before / window);
            float newMean = (float) (after / window);
            if (newMean == 0f) continue;
            float factor = originalMean / newMean;
            for (int i = base; i < base + window; i++) out[i] *= factor;
        }
        return new Tensor(out, rows, length, dim);
    }
}
