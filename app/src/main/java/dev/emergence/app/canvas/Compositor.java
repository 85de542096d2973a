package dev.emergence.app.canvas;

import java.util.List;

/** Composites paint layers ("normal" blending with each layer's opacity), bottom to top. */
public final class Compositor {
    private Compositor() {
    }

    /**
     * Writes what the visible layers show inside {@code r} into {@code out} (row stride
     * {@code outStride}, starting at index 0), over white paper or over transparency.
     */
    public static void composite(List<DocLayer> layers, Rect r, int[] out, int outStride, boolean onWhite) {
        int start = onWhite ? Pixels.WHITE : 0;
        for (int row = 0; row < r.height(); row++) {
            java.util.Arrays.fill(out, row * outStride, row * outStride + r.width(), start);
        }
        for (DocLayer l : layers) {
            if (!l.visible() || l.opacity() <= 0) continue;
            Layer px = l.pixels();
            int[] src = px.pixels();
            double opacity = l.opacity();
            for (int row = 0; row < r.height(); row++) {
                int si = (r.y() + row) * px.width() + r.x(), oi = row * outStride;
                for (int k = 0; k < r.width(); k++, si++, oi++) {
                    int p = src[si];
                    int a = p >>> 24;
                    if (a == 0) continue;
                    if (a == 255 && opacity >= 1) {
                        out[oi] = p;
                    } else {
                        out[oi] = over(p, a / 255.0 * opacity, out[oi]);
                    }
                }
            }
        }
    }

    /**
     * Source over; onto an opaque pixel (the usual case under a painted layer) it is a blend of the
     * two colours, done in integers, rounded as {@link Pixels#over} rounds to within one level.
     */
    static int over(int src, double a, int dst) {
        if ((dst >>> 24) != 255) return Pixels.over(src & 0xffffff, a, dst);
        int k = (int) Math.round(a * 256), j = 256 - k;
        int r = (((src >> 16) & 0xff) * k + ((dst >> 16) & 0xff) * j + 128) >> 8;
        int g = (((src >> 8) & 0xff) * k + ((dst >> 8) & 0xff) * j + 128) >> 8;
        int b = ((src & 0xff) * k + (dst & 0xff) * j + 128) >> 8;
        return 0xff000000 | r << 16 | g << 8 | b;
    }

    /** {@code src} at {@code opacity} composited onto {@code dst} in place (the same size). */
    public static void over(Layer src, double opacity, Layer dst) {
        int[] s = src.pixels(), d = dst.pixels();
        for (int i = 0; i < s.length; i++) {
            int a = s[i] >>> 24;
            if (a == 0) continue;
            d[i] = a == 255 && opacity >= 1 ? s[i] : over(s[i], a / 255.0 * opacity, d[i]);
        }
    }

    /** True when a visible layer shows anything inside {@code r}. */
    public static boolean anyVisible(List<DocLayer> layers, Rect r) {
        for (DocLayer l : layers) {
            if (l.visible() && l.opacity() > 0 && !l.isBlank() && CanvasDocument.anyAlpha(l.pixels(), r)) return true;
        }
        return false;
    }
}
