package dev.emergence.app.canvas;

/** Packing and compositing of non-premultiplied ARGB ints. */
public final class Pixels {
    public static final int WHITE = 0xffffffff;

    private Pixels() {
    }

    /** Packs alpha in [0, 1] and channels in [0, 255], rounding and clamping. */
    public static int argb(double alpha, double r, double g, double b) {
        return clamp(alpha * 255) << 24 | clamp(r) << 16 | clamp(g) << 8 | clamp(b);
    }

    static int clamp(double v) {
        long r = Math.round(v);
        return (int) Math.max(0, Math.min(255, r));
    }

    public static int alpha(int p) { return p >>> 24; }

    /**
     * Porter-Duff "source over": {@code rgb} at coverage {@code a} (0..1) over {@code dst}.
     * The source's own alpha byte is ignored; {@code a} carries it.
     */
    public static int over(int rgb, double a, int dst) {
        if (a <= 0) return dst;
        double da = (dst >>> 24) / 255.0;
        double outA = a + da * (1 - a);
        if (outA <= 0) return 0;
        double kd = da * (1 - a);
        double r = (((rgb >> 16) & 0xff) * a + ((dst >> 16) & 0xff) * kd) / outA;
        double g = (((rgb >> 8) & 0xff) * a + ((dst >> 8) & 0xff) * kd) / outA;
        double b = ((rgb & 0xff) * a + (dst & 0xff) * kd) / outA;
        return argb(outA, r, g, b);
    }

    /** {@code dst} with its alpha reduced by coverage {@code a} (the eraser). */
    public static int erase(int dst, double a) {
        if (a <= 0) return dst;
        int na = clamp((dst >>> 24) * (1 - a));
        return na == 0 ? 0 : (na << 24) | (dst & 0xffffff);
    }

    /** The pixel as it looks on white paper (what img2img receives), opaque. */
    public static int onWhite(int p) {
        return over(p & 0xffffff, (p >>> 24) / 255.0, WHITE) | 0xff000000;
    }
}
