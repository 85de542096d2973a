package dev.emergence.app.canvas;

import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * A picture layer: non-premultiplied ARGB pixels, row by row. The mask layer uses the same type
 * with its value in the alpha channel, so every edit and undo works on both alike.
 */
public final class Layer {
    private final int width;
    private final int height;
    private final int[] argb;

    public Layer(int width, int height) {
        this(width, height, new int[checkedArea(width, height)]);
    }

    public Layer(int width, int height, int[] argb) {
        if (argb.length != checkedArea(width, height)) {
            throw new IllegalArgumentException("layer " + width + "x" + height + " needs " + width * height + " pixels, got " + argb.length);
        }
        this.width = width;
        this.height = height;
        this.argb = argb;
    }

    private static int checkedArea(int w, int h) {
        if (w <= 0 || h <= 0) throw new IllegalArgumentException("layer size must be positive, got " + w + "x" + h);
        return Math.multiplyExact(w, h);
    }

    public static Layer fromImage(BufferedImage image) {
        int w = image.getWidth(), h = image.getHeight();
        return new Layer(w, h, image.getRGB(0, 0, w, h, null, 0, w));
    }

    public int width() { return width; }

    public int height() { return height; }

    public Rect bounds() { return new Rect(0, 0, width, height); }

    /** The pixel array itself (row-major, width × height); callers that keep it must copy it. */
    public int[] pixels() { return argb; }

    public int get(int x, int y) { return argb[y * width + x]; }

    public void set(int x, int y, int value) { argb[y * width + x] = value; }

    public Layer copy() { return new Layer(width, height, argb.clone()); }

    /** True when every pixel is fully transparent. */
    public boolean isBlank() {
        for (int p : argb) {
            if ((p >>> 24) != 0) return false;
        }
        return true;
    }

    public int[] copyRegion(Rect r) {
        int[] out = new int[r.width() * r.height()];
        for (int row = 0; row < r.height(); row++) {
            System.arraycopy(argb, (r.y() + row) * width + r.x(), out, row * r.width(), r.width());
        }
        return out;
    }

    public void writeRegion(Rect r, int[] pixels) {
        for (int row = 0; row < r.height(); row++) {
            System.arraycopy(pixels, row * r.width(), argb, (r.y() + row) * width + r.x(), r.width());
        }
    }

    /**
     * A new layer of {@code r}'s size holding this layer's pixels inside {@code r} (in this
     * layer's coordinates), transparent where {@code r} reaches past it: a crop, a padding, or both.
     */
    public Layer region(Rect r) {
        Layer out = new Layer(r.width(), r.height());
        Rect inside = r.intersect(bounds());
        if (!inside.isEmpty()) {
            out.writeRegion(new Rect(inside.x() - r.x(), inside.y() - r.y(), inside.width(), inside.height()), copyRegion(inside));
        }
        return out;
    }

    public void fill(int value) {
        Arrays.fill(argb, value);
    }

    /** This layer scaled to a new size (bilinear on premultiplied colour, so transparent edges do not darken). */
    public Layer scaled(int newWidth, int newHeight) {
        Layer out = new Layer(newWidth, newHeight);
        double sx = (double) width / newWidth, sy = (double) height / newHeight;
        for (int y = 0; y < newHeight; y++) {
            double fy = Math.max(0, (y + 0.5) * sy - 0.5);
            int y0 = Math.min((int) fy, height - 1), y1 = Math.min(y0 + 1, height - 1);
            double wy = fy - y0;
            for (int x = 0; x < newWidth; x++) {
                double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                int x0 = Math.min((int) fx, width - 1), x1 = Math.min(x0 + 1, width - 1);
                double wx = fx - x0;
                double a = 0, r = 0, g = 0, b = 0;
                int[] xs = {x0, x1, x0, x1}, ys = {y0, y0, y1, y1};
                double[] ws = {(1 - wx) * (1 - wy), wx * (1 - wy), (1 - wx) * wy, wx * wy};
                for (int k = 0; k < 4; k++) {
                    int p = get(xs[k], ys[k]);
                    double pa = (p >>> 24) / 255.0 * ws[k];
                    a += pa;
                    r += ((p >> 16) & 0xff) * pa;
                    g += ((p >> 8) & 0xff) * pa;
                    b += (p & 0xff) * pa;
                }
                out.set(x, y, a <= 0 ? 0 : Pixels.argb(a, r / a, g / a, b / a));
            }
        }
        return out;
    }
}
