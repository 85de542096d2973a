package dev.emergence.engine.scheduler;

import dev.emergence.engine.tensor.Tensor;

import java.util.Arrays;

/** Element-wise linear combinations of latents, computed in double and stored as float. */
final class TensorOps {
    private TensorOps() {
    }

    /** a·x */
    static Tensor scale(double a, Tensor x) {
        float[] xs = x.data(), out = new float[xs.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) (a * xs[i]);
        return new Tensor(out, x.shape());
    }

    /** a·x + b·y */
    static Tensor lin(double a, Tensor x, double b, Tensor y) {
        requireSameShape(x, y);
        float[] xs = x.data(), ys = y.data(), out = new float[xs.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) (a * xs[i] + b * ys[i]);
        return new Tensor(out, x.shape());
    }

    /** a·x + b·y + c·z */
    static Tensor lin(double a, Tensor x, double b, Tensor y, double c, Tensor z) {
        requireSameShape(x, y);
        requireSameShape(x, z);
        float[] xs = x.data(), ys = y.data(), zs = z.data(), out = new float[xs.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) (a * xs[i] + b * ys[i] + c * zs[i]);
        return new Tensor(out, x.shape());
    }

    /** Σ coefficients[k]·terms[k] */
    static Tensor sum(double[] coefficients, Tensor[] terms) {
        float[] out = new float[terms[0].size()];
        double[] acc = new double[out.length];
        for (int k = 0; k < terms.length; k++) {
            requireSameShape(terms[0], terms[k]);
            float[] t = terms[k].data();
            for (int i = 0; i < acc.length; i++) acc[i] += coefficients[k] * t[i];
        }
        for (int i = 0; i < out.length; i++) out[i] = (float) acc[i];
        return new Tensor(out, terms[0].shape());
    }

    /** Clamps every value to [−range, range]. */
    static Tensor clamp(Tensor x, double range) {
        float[] xs = x.data(), out = new float[xs.length];
        float r = (float) range;
        for (int i = 0; i < out.length; i++) out[i] = Math.max(-r, Math.min(r, xs[i]));
        return new Tensor(out, x.shape());
    }

    static void requireSameShape(Tensor a, Tensor b) {
        if (!a.sameShape(b)) {
            throw new IllegalArgumentException("shape mismatch: " + Arrays.toString(a.shape()) + " vs " + Arrays.toString(b.shape()));
        }
    }
}
