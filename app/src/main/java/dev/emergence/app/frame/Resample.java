package dev.emergence.app.frame;

/**
 * Scales ARGB pictures with a separable triangle (tent) filter on premultiplied colour, widened
 * by the scale factor when shrinking, so a 1600 px photo shrunk to 512 px averages every pixel
 * instead of sampling a few (bilinear sampling would alias), and transparent edges do not darken.
 */
public final class Resample {
    private Resample() {
    }

    public static int[] scale(int[] argb, int w, int h, int nw, int nh) {
        if (nw == w && nh == h) return argb.clone();
        // Premultiplied planes: a, r·a, g·a, b·a.
        float[][] src = new float[4][w * h];
        for (int i = 0; i < argb.length; i++) {
            int p = argb[i];
            float a = (p >>> 24) / 255f;
            src[0][i] = a;
            src[1][i] = ((p >> 16) & 0xff) * a;
            src[2][i] = ((p >> 8) & 0xff) * a;
            src[3][i] = (p & 0xff) * a;
        }
        float[][] mid = new float[4][nw * h];
        Kernel kx = new Kernel(w, nw);
        for (int c = 0; c < 4; c++) {
            for (int y = 0; y < h; y++) kx.apply(src[c], y * w, 1, mid[c], y * nw, 1);
        }
        float[][] dst = new float[4][nw * nh];
        Kernel ky = new Kernel(h, nh);
        for (int c = 0; c < 4; c++) {
            for (int x = 0; x < nw; x++) ky.apply(mid[c], x, nw, dst[c], x, nw);
        }
        int[] out = new int[nw * nh];
        for (int i = 0; i < out.length; i++) {
            float a = dst[0][i];
            if (a <= 0.5f / 255) continue;
            out[i] = clamp(a * 255) << 24 | clamp(dst[1][i] / a) << 16 | clamp(dst[2][i] / a) << 8 | clamp(dst[3][i] / a);
        }
        return out;
    }

    private static int clamp(float v) {
        int r = Math.round(v);
        return r < 0 ? 0 : Math.min(255, r);
    }

    /** Per output index: the first input index and its weights (normalised). */
    private static final class Kernel {
        final int[] start;
        final float[][] weights;

        Kernel(int in, int out) {
            start = new int[out];
            weights = new float[out][];
            double scale = (double) in / out;
            double support = Math.max(1.0, scale);
            for (int o = 0; o < out; o++) {
                double centre = (o + 0.5) * scale - 0.5;
                int lo = (int) Math.floor(centre - support) + 1, hi = (int) Math.ceil(centre + support) - 1;
                lo = Math.max(0, Math.min(lo, in - 1));
                hi = Math.max(lo, Math.min(hi, in - 1));
                float[] ws = new float[hi - lo + 1];
                double sum = 0;
                for (int i = lo; i <= hi; i++) {
                    double wgt = Math.max(0, 1 - Math.abs(i - centre) / support);
                    ws[i - lo] = (float) wgt;
                    sum += wgt;
                }
                if (sum <= 0) {
                    // The centre lies past the last input sample: take the nearest one.
                    int nearest = (int) Math.max(0, Math.min(in - 1, Math.round(centre)));
                    lo = nearest;
                    ws = new float[] {1};
                    sum = 1;
                }
                for (int k = 0; k < ws.length; k++) ws[k] /= (float) sum;
                start[o] = lo;
                weights[o] = ws;
            }
        }

        void apply(float[] src, int srcBase, int srcStride, float[] dst, int dstBase, int dstStride) {
            for (int o = 0; o < start.length; o++) {
                float[] ws = weights[o];
                int i = srcBase + start[o] * srcStride;
                float acc = 0;
                for (float wgt : ws) {
                    acc += src[i] * wgt;
                    i += srcStride;
                }
                dst[dstBase + o * dstStride] = acc;
            }
        }
    }

    /**
     * Lanczos-3 resampling of an opaque picture, as Pillow's {@code Image.LANCZOS} computes it
     * (AUTOMATIC1111's "Lanczos" upscaler): a horizontal pass rounded to 8 bits, then a vertical
     * pass, each output sample a normalised sum of sinc(x)·sinc(x/3) weights over the inputs in
     * reach, widened by the scale when shrinking. Alpha is set opaque.
     */
    public static int[] lanczos(int[] rgb, int w, int h, int nw, int nh) {
        int[][] in = new int[3][w * h];
        for (int i = 0; i < rgb.length; i++) {
            in[0][i] = (rgb[i] >> 16) & 0xff;
            in[1][i] = (rgb[i] >> 8) & 0xff;
            in[2][i] = rgb[i] & 0xff;
        }
        LanczosKernel kx = new LanczosKernel(w, nw), ky = new LanczosKernel(h, nh);
        int[] out = new int[nw * nh];
        for (int c = 0; c < 3; c++) {
            int[] mid = new int[nw * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < nw; x++) mid[y * nw + x] = kx.sample(in[c], y * w, 1, x);
            }
            for (int y = 0; y < nh; y++) {
                for (int x = 0; x < nw; x++) out[y * nw + x] |= ky.sample(mid, x, nw, y) << (16 - 8 * c);
            }
        }
        for (int i = 0; i < out.length; i++) out[i] |= 0xff000000;
        return out;
    }

    private static double lanczos3(double x) {
        if (x <= -3 || x >= 3) return 0;
        return sinc(x) * sinc(x / 3);
    }

    private static double sinc(double x) {
        if (x == 0) return 1;
        double px = Math.PI * x;
        return Math.sin(px) / px;
    }

    /** Pillow's coefficients: per output sample, the first input and the normalised weights. */
    private static final class LanczosKernel {
        final int[] start;
        final double[][] weights;

        LanczosKernel(int in, int out) {
            start = new int[out];
            weights = new double[out][];
            double scale = (double) in / out;
            double filterScale = Math.max(scale, 1);
            double support = 3 * filterScale;
            double ss = 1 / filterScale;
            for (int o = 0; o < out; o++) {
                double centre = (o + 0.5) * scale;
                int xmin = Math.max(0, (int) (centre - support + 0.5));
                int xmax = Math.min(in, (int) (centre + support + 0.5)) - xmin;
                double[] k = new double[Math.max(0, xmax)];
                double sum = 0;
                for (int x = 0; x < k.length; x++) {
                    k[x] = lanczos3((x + xmin - centre + 0.5) * ss);
                    sum += k[x];
                }
                if (sum != 0) for (int x = 0; x < k.length; x++) k[x] /= sum;
                start[o] = xmin;
                weights[o] = k;
            }
        }

        int sample(int[] src, int base, int stride, int o) {
            double acc = 0;
            double[] k = weights[o];
            int i = base + start[o] * stride;
            for (double wgt : k) {
                acc += src[i] * wgt;
                i += stride;
            }
            long r = Math.round(acc);
            return (int) Math.max(0, Math.min(255, r));
        }
    }
}
