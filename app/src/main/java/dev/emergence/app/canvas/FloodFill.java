package dev.emergence.app.canvas;

/** The paint bucket: fills the 4-connected region of similar colour around a pixel. */
final class FloodFill {
    private FloodFill() {
    }

    /**
     * Fills in place and returns the bounding rectangle of what changed.
     *
     * @param tolerance largest per-channel difference (alpha included) still counted as the same colour, 0..255
     */
    static Rect fill(Layer layer, int sx, int sy, int color, int tolerance) {
        int w = layer.width(), h = layer.height();
        if (sx < 0 || sy < 0 || sx >= w || sy >= h) return Rect.EMPTY;
        int[] px = layer.pixels();
        int target = px[sy * w + sx];
        int replacement = 0xff000000 | (color & 0xffffff);
        if (target == replacement) return Rect.EMPTY;
        boolean[] seen = new boolean[px.length];
        int[] stack = new int[Math.min(px.length, 1 << 16)];
        int top = 0;
        stack[top++] = sy * w + sx;
        seen[sy * w + sx] = true;
        int minX = sx, maxX = sx, minY = sy, maxY = sy;
        while (top > 0) {
            int i = stack[--top];
            px[i] = replacement;
            int x = i % w, y = i / w;
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
            minY = Math.min(minY, y);
            maxY = Math.max(maxY, y);
            int[] next = {x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1, y < h - 1 ? i + w : -1};
            for (int n : next) {
                if (n < 0 || seen[n] || !similar(target, layer.pixels()[n], tolerance)) continue;
                seen[n] = true;
                if (top == stack.length) stack = java.util.Arrays.copyOf(stack, stack.length * 2);
                stack[top++] = n;
            }
        }
        return Rect.of(minX, minY, maxX + 1, maxY + 1);
    }

    private static boolean similar(int a, int b, int tol) {
        // Fully transparent pixels are all the same colour, whatever their RGB bits.
        if ((a >>> 24) == 0 && (b >>> 24) == 0) return true;
        for (int shift = 0; shift <= 24; shift += 8) {
            if (Math.abs(((a >>> shift) & 0xff) - ((b >>> shift) & 0xff)) > tol) return false;
        }
        return true;
    }
}
