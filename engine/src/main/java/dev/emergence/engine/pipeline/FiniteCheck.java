package dev.emergence.engine.pipeline;

import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.tensor.Tensor;

/**
 * Checks a model's output for NaN and infinities. One non-finite value spreads through the
 * scheduler to every pixel, and the picture comes out black with nothing said; so every output is
 * scanned (a few microseconds against a model run) and the first bad one stops the generation with
 * the model part and the step named.
 */
final class FiniteCheck {
    private FiniteCheck() {
    }

    /**
     * @param producer what made {@code t}, e.g. "tiny-sd/unet/model.onnx"
     * @param when     where in the generation, e.g. "at step 3 of 20"
     * @param expected what finite values were expected, e.g. "finite noise predictions"
     * @param advice   appended after a semicolon when not empty, e.g. the fp16 suggestion
     * @throws ModelException one line: "tiny-sd/unet/model.onnx produced NaN at step 3 of 20; expected finite noise predictions"
     */
    static void require(Tensor t, String producer, String when, String expected, String advice) throws ModelException {
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            float v = d[i];
            // v - v is 0 for every finite v and NaN for NaN and ±Inf: one branch per value.
            if (v - v != 0) {
                String what = Float.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
                throw new ModelException(producer + " produced " + what + " " + when + "; expected " + expected
                        + (advice.isEmpty() ? "" : "; " + advice));
            }
        }
    }
}
