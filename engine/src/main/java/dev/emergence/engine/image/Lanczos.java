package dev.emergence.engine.image;

/**
 * Separable Lanczos-3 resampling of float planes, with the coefficients PIL computes for
 * {@code Image.resize(size, LANCZOS)} (Pillow's Resample.c, precompute_coeffs): the kernel is
 * widened by the scale when shrinking, so downsizing averages instead of aliasing. diffusers
 * resizes its input pictures and masks this way (VaeImageProcessor, resample "lanczos").
 *
 * <p>Values stay in floating point; like PIL's 8-bit path, each pass clamps to [0, 1], since
 * Lanczos' negative lobes overshoot at hard edges. Horizontal pass first, as PIL does.
 */
final class Lanczos {
    private static final double SUPPORT = 3.0;

    private Lanczos() {
    }

    /** Resamples a row-major {@code inW}×{@code inH} plane of values in [0, 1] to {@code outW}×{@code outH}. */
    static float[] resize(float[] plane, int inW, int inH, int outW, int outH) {
        if (outW <= 0 || outH <= 0) throw new IllegalArgumentException("cannot resize to " + outW + "x" + outH);
        float[] current = plane;
        int w = inW;
        if (outW != inW) {
            current = horizontal(current, inW, inH, outW);
            w = outW;
        }
        if (outH != inH) {
            current = vertical(current, w, inH, outH);
        }
        return current == plane ? plane.clone() : current;
    }

    /** Per output index: first input index, then the normalised weights (PIL's bounds and kk). */
    private static final class Coefficients {
        final int[] start;
        final double[][] weights;

        Coefficients(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = SUPPORT * filterScale;
            start = new int[outSize];
            weights = new double[outSize][];
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                int min = Math.max((int) (center - support + 0.5), 0);
                int max = Math.min((int) (center + support + 0.5), inSize);
                double[] k = new double[max - min];
                double sum = 0;
                for (int i = 0; i < k.length; i++) {
                    k[i] = lanczos((i + min - center + 0.5) / filterScale);
                    sum += k[i];
                }
                if (sum != 0) {
                    for (int i = 0; i < k.length; i++) k[i] /= sum;
                }
                start[o] = min;
                weights[o] = k;
            }
        }
    }

    private static float[] horizontal(float[] in, int inW, int h, int outW) {
        Coefficients c = new Coefficients(inW, outW);
        float[] out = new float[outW * h];
        for (int y = 0; y < h; y++) {
            int row = y * inW;
            for (int x = 0; x < outW; x++) {
                double[] k = c.weights[x];
                int s = row + c.start[x];
                double v = 0;
                for (int i = 0; i < k.length; i++) v += k[i] * in[s + i];
                out[y * outW + x] = clamp01(v);
            }
        }
        return out;
    }

    private static float[] vertical(float[] in, int w, int inH, int outH) {
        Coefficients c = new Coefficients(inH, outH);
        float[] out = new float[w * outH];
        double[] acc = new double[w];
        for (int y = 0; y < outH; y++) {
            double[] k = c.weights[y];
            java.util.Arrays.fill(acc, 0);
            for (int i = 0; i < k.length; i++) {
                int row = (c.start[y] + i) * w;
                double wgt = k[i];
                for (int x = 0; x < w; x++) acc[x] += wgt * in[row + x];
            }
            for (int x = 0; x < w; x++) out[y * w + x] = clamp01(acc[x]);
        }
        return out;
    }

    private static float clamp01(double v) {
        return (float) (v < 0 ? 0 : v > 1 ? 1 : v);
    }

    /** sinc(x)·sinc(x/3) on [-3, 3), as PIL's lanczos_filter. */
    static double lanczos(double x) {
        if (-SUPPORT <= x && x < SUPPORT) return sinc(x) * sinc(x / SUPPORT);
        return 0.0;
    }

    private static double sinc(double x) {
        if (x == 0.0) return 1.0;
        x *= Math.PI;
        return Math.sin(x) / x;
    }
}
