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
                        out[oi] = Pixels.over(p & 0xffffff, a / 255.0 * opacity, out[oi]);
                    }
                }
            }
        }
    }

    /** {@code src} at {@code opacity} composited onto {@code dst} in place (the same size). */
    public static void over(Layer src, double opacity, Layer dst) {
        int[] s = src.pixels(), d = dst.pixels();
        for (int i = 0; i < s.length; i++) {
            int a = s[i] >>> 24;
            if (a == 0) continue;
            d[i] = a == 255 && opacity >= 1 ? s[i] : Pixels.over(s[i] & 0xffffff, a / 255.0 * opacity, d[i]);
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
