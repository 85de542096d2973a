package dev.emergence.engine.control;

/**
 * Canny edges as OpenCV's {@code cv2.Canny(image, low, high, apertureSize=3, L2gradient)} finds them
 * (imgproc/src/canny.cpp), on 8-bit pictures of one or more channels:
 * <ol>
 * <li>3x3 Sobel derivatives dx, dy in integers, the border replicated;</li>
 * <li>the magnitude |dx| + |dy| (L1) or dx² + dy² (L2, with both thresholds squared); with several
 *     channels, per pixel the channel of the largest magnitude (the first on ties) gives dx, dy and
 *     the magnitude;</li>
 * <li>non-maximum suppression along the gradient quantised to 0°, 45°, 90° or 135° with OpenCV's fixed
 *     point tangents (tan 22.5° as 13573 / 2^15) and its comparisons (strict towards one neighbour, not
 *     the other, for the axis directions); magnitudes outside the picture count as 0;</li>
 * <li>hysteresis: a pixel above {@code high} is an edge, one above {@code low} is one when 8-connected
 *     to an edge. Thresholds are swapped when low &gt; high, and floored to integers.</li>
 * </ol>
 */
public final class Canny {
    private static final int TG22 = 13573; // (int)(tan(22.5°) · 2^15 + 0.5), as canny.cpp

    private Canny() {
    }

    /**
     * @param planes  the channels, each {@code width·height} values 0..255, row-major
     * @return 255 on edges, 0 elsewhere, row-major
     */
    public static byte[] edges(int[][] planes, int width, int height, double low, double high, boolean l2Gradient) {
        if (low > high) {
            double t = low;
            low = high;
            high = t;
        }
        if (l2Gradient) {
            low = Math.min(32767.0, low);
            high = Math.min(32767.0, high);
            if (low > 0) low *= low;
            if (high > 0) high *= high;
        }
        int lowT = (int) Math.floor(low), highT = (int) Math.floor(high);
        int n = width * height;
        int[] dxs = new int[n], dys = new int[n], mag = new int[n];
        for (int c = 0; c < planes.length; c++) {
            int[] p = planes[c];
            for (int y = 0; y < height; y++) {
                int ym = Math.max(y - 1, 0) * width, y0 = y * width, yp = Math.min(y + 1, height - 1) * width;
                for (int x = 0; x < width; x++) {
                    int xm = Math.max(x - 1, 0), xp = Math.min(x + 1, width - 1);
                    int dx = (p[ym + xp] + 2 * p[y0 + xp] + p[yp + xp]) - (p[ym + xm] + 2 * p[y0 + xm] + p[yp + xm]);
                    int dy = (p[yp + xm] + 2 * p[yp + x] + p[yp + xp]) - (p[ym + xm] + 2 * p[ym + x] + p[ym + xp]);
                    int m = l2Gradient ? dx * dx + dy * dy : Math.abs(dx) + Math.abs(dy);
                    int i = y0 + x;
                    if (c == 0 || m > mag[i]) {
                        mag[i] = m;
                        dxs[i] = dx;
                        dys[i] = dy;
                    }
                }
            }
        }
        // 0: not an edge; 1: a candidate (a local maximum above low); 2: an edge
        byte[] state = new byte[n];
        int[] stack = new int[n];
        int top = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                int m = mag[i];
                if (m <= lowT || !localMaximum(mag, width, height, x, y, dxs[i], dys[i])) continue;
                if (m > highT) {
                    state[i] = 2;
                    stack[top++] = i;
                } else {
                    state[i] = 1;
                }
            }
        }
        while (top > 0) {
            int i = stack[--top];
            int x = i % width, y = i / width;
            for (int ny = Math.max(y - 1, 0); ny <= Math.min(y + 1, height - 1); ny++) {
                for (int nx = Math.max(x - 1, 0); nx <= Math.min(x + 1, width - 1); nx++) {
                    int j = ny * width + nx;
                    if (state[j] == 1) {
                        state[j] = 2;
                        stack[top++] = j;
                    }
                }
            }
        }
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) if (state[i] == 2) out[i] = (byte) 255;
        return out;
    }

    private static boolean localMaximum(int[] mag, int width, int height, int x, int y, int xs, int ys) {
        int m = mag[y * width + x];
        long ax = Math.abs(xs);
        long ay = ((long) Math.abs(ys)) << 15;
        long tg22x = ax * TG22;
        if (ay < tg22x) {
            return m > at(mag, width, height, x - 1, y) && m >= at(mag, width, height, x + 1, y);
        }
        long tg67x = tg22x + (ax << 16);
        if (ay > tg67x) {
            return m > at(mag, width, height, x, y - 1) && m >= at(mag, width, height, x, y + 1);
        }
        int s = (xs ^ ys) < 0 ? -1 : 1;
        return m > at(mag, width, height, x - s, y - 1) && m > at(mag, width, height, x + s, y + 1);
    }

    /** The magnitude at (x, y), 0 outside the picture (canny.cpp pads its rows and columns with 0). */
    private static int at(int[] mag, int width, int height, int x, int y) {
        return x < 0 || y < 0 || x >= width || y >= height ? 0 : mag[y * width + x];
    }
}
