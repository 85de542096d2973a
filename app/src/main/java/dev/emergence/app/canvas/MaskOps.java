package dev.emergence.app.canvas;

/** Whole-mask operations; the mask's value is each pixel's alpha (255 = repaint). */
public final class MaskOps {
    private MaskOps() {
    }

    static void invert(Layer mask) {
        int[] px = mask.pixels();
        for (int i = 0; i < px.length; i++) {
            int a = 255 - (px[i] >>> 24);
            px[i] = a == 0 ? 0 : (a << 24) | 0xffffff;
        }
    }

    /**
     * Softens the mask's edges: three box blurs of the given radius approximate a Gaussian
     * (sigma ≈ radius·0.58 per pass, the usual "stack box blur" construction).
     */
    public static void feather(Layer mask, int radius) {
        if (radius <= 0) return;
        int w = mask.width(), h = mask.height();
        float[] a = new float[w * h];
        int[] px = mask.pixels();
        for (int i = 0; i < a.length; i++) a[i] = px[i] >>> 24;
        float[] tmp = new float[a.length];
        for (int pass = 0; pass < 3; pass++) {
            boxBlur(a, tmp, w, h, radius, true);
            boxBlur(tmp, a, w, h, radius, false);
        }
        for (int i = 0; i < a.length; i++) {
            int v = Math.max(0, Math.min(255, Math.round(a[i])));
            px[i] = v == 0 ? 0 : (v << 24) | 0xffffff;
        }
    }

    /** A running-sum box blur along rows (horizontal) or columns, edges clamped. */
    private static void boxBlur(float[] src, float[] dst, int w, int h, int r, boolean horizontal) {
        int lines = horizontal ? h : w, len = horizontal ? w : h;
        int stride = horizontal ? 1 : w;
        float norm = 1f / (2 * r + 1);
        for (int line = 0; line < lines; line++) {
            int base = horizontal ? line * w : line;
            float sum = 0;
            for (int k = -r; k <= r; k++) sum += src[base + clampIdx(k, len) * stride];
            for (int k = 0; k < len; k++) {
                dst[base + k * stride] = sum * norm;
                sum += src[base + clampIdx(k + r + 1, len) * stride] - src[base + clampIdx(k - r, len) * stride];
            }
        }
    }

    private static int clampIdx(int i, int len) {
        return i < 0 ? 0 : i >= len ? len - 1 : i;
    }
}
