package dev.emergence.engine.text;

import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A1111's "Original" emphasis (sd_emphasis.py: z *= multipliers, then z *= original_mean / new_mean),
 * worked by hand on windows of 3 positions × 2 channels. PromptWeightingReferenceTest checks the same
 * against A1111's own code on real windows.
 */
class EmbeddingWeightsTest {
    @Test
    void weightsThenRestoresEachWindowsMean() {
        Tensor states = new Tensor(new float[] {
                1, 2, 3, 4, 5, 6,    // window 0
                2, -2, 1, 1, 0, 4,   // window 1
        }, 2, 3, 2);
        float[][] weights = {{1, 2, 1}, {1, 1, 1}};
        // Window 0: mean 21/6 = 3.5; weighted [1 2 | 6 8 | 5 6], mean 28/6; factor 3.5 / (28/6) = 0.75.
        // Window 1: all weights 1, factor 6/6 = 1: unchanged (its own mean, not the batch's).
        float[] expected = {0.75f, 1.5f, 4.5f, 6f, 3.75f, 4.5f, 2, -2, 1, 1, 0, 4};
        Tensor out = EmbeddingWeights.apply(states, weights);
        assertArrayEquals(new int[] {2, 3, 2}, out.shape());
        assertArrayEquals(expected, out.data(), 1e-6f);
        // The input is left as it was.
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 2, -2, 1, 1, 0, 4}, states.data());
    }

    @Test
    void negativeWeightsFlipAndTheMeanStillHolds() {
        // [1 1 | 2 2 | 3 3], weights (1, −1, 1): mean 2; weighted [1 1 | −2 −2 | 3 3], mean 2/3; factor 3.
        Tensor out = EmbeddingWeights.apply(new Tensor(new float[] {1, 1, 2, 2, 3, 3}, 1, 3, 2), new float[][] {{1, -1, 1}});
        assertArrayEquals(new float[] {3, 3, -6, -6, 9, 9}, out.data(), 1e-6f);
    }

    @Test
    void aWeightedMeanOfZeroIsNotRescaled() {
        // [1 1 | 1 1 | 2 2], weights (1, 1, −1): weighted [1 1 | 1 1 | −2 −2] has mean 0, so no factor exists
        // (A1111 would divide by zero); the weighted window is kept as it is.
        Tensor out = EmbeddingWeights.apply(new Tensor(new float[] {1, 1, 1, 1, 2, 2}, 1, 3, 2), new float[][] {{1, 1, -1}});
        assertArrayEquals(new float[] {1, 1, 1, 1, -2, -2}, out.data());
    }

    @Test
    void allWeightsOneGivesTheStatesBack() {
        Tensor states = new Tensor(new float[] {1, 2, 3, 4, 5, 6}, 1, 3, 2);
        assertSame(states, EmbeddingWeights.apply(states, new float[][] {{1, 1, 1}}));
    }

    @Test
    void shapesMustAgree() {
        Tensor states = Tensor.zeros(2, 3, 2);
        assertThrows(IllegalArgumentException.class, () -> EmbeddingWeights.apply(states, new float[][] {{1, 1, 1}}));
        assertThrows(IllegalArgumentException.class, () -> EmbeddingWeights.apply(states, new float[][] {{1, 1}, {1, 1}}));
        assertThrows(IllegalArgumentException.class, () -> EmbeddingWeights.apply(Tensor.zeros(6), new float[][] {{1}}));
    }
}
