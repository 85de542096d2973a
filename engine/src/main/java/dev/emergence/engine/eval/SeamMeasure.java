package dev.emergence.engine.eval;

import java.awt.image.BufferedImage;

/**
 * How visible an inpainting seam is: the colour step across the feathered edge of a rectangular mask,
 * against the picture's own variation over the same distance where nothing was repainted.
 *
 * <p>The engine's composite ramps the repainted picture in over about twice the feather inside the
 * mask (see {@code Images.composite}), so the seam spans {@code band = 2·feather + 1} lines from the
 * last kept line to the first fully repainted one. Each side of the rectangle that lies inside the
 * picture (less {@code band} pixels at each corner, where two ramps meet) is cut into segments of
 * {@value #SEGMENT} pixels, and colours are averaged along each segment's lines, so that pixel noise
 * cancels and what is left is what an eye sees along an edge: a band of another colour (a fringe) or
 * a repainted region of another shade. The step of a segment is the largest RGB distance between the
 * kept line next to the edge and any line of the band; the local variation is the same largest
 * distance measured wholly in the kept picture, from lines 2 to 40 pixels outside the edge. A repaint
 * that continues the picture keeps the mean step within the mean variation.
 *
 * @param seamStep       mean over segments of the largest RGB distance (0..255·√3) across the seam
 * @param localVariation the same over spans of kept lines near the seam
 * @param segments       how many segments were measured
 */
public record SeamMeasure(double seamStep, double localVariation, int segments) {
    static final int SEGMENT = 8, NEAR = 2, FAR = 40;

    public boolean withinLocalVariation() {
        return seamStep <= localVariation;
    }

    /**
     * @param picture the inpainted picture
     * @param x0      the mask rectangle's left column (inclusive), likewise y0, x1 and y1 (exclusive)
     * @param feather the feather the inpainting used, in pixels
     */
    public static SeamMeasure of(BufferedImage picture, int x0, int y0, int x1, int y1, double feather) {
        int w = picture.getWidth(), h = picture.getHeight();
        if (x0 < 0 || y0 < 0 || x1 > w || y1 > h || x1 <= x0 || y1 <= y0) {
            throw new IllegalArgumentException("mask rectangle " + x0 + "," + y0 + " to " + x1 + "," + y1
                    + " is not inside the " + w + "x" + h + " picture");
        }
        int band = (int) Math.ceil(2 * feather) + 1;
        double step = 0, variation = 0;
        int n = 0, m = 0;
        // Each side: its first kept pixel just outside is (ox, oy); inward is (dx, dy); along the side runs (ax, ay).
        int[][] sides = {
                {x0 - 1, y0, 1, 0, 0, 1, y1 - y0},   // left side
                {x1, y0, -1, 0, 0, 1, y1 - y0},      // right side
                {x0, y0 - 1, 0, 1, 1, 0, x1 - x0},   // top side
                {x0, y1, 0, -1, 1, 0, x1 - x0},      // bottom side
        };
        for (int[] s : sides) {
            int ox = s[0], oy = s[1], dx = s[2], dy = s[3], ax = s[4], ay = s[5], length = s[6];
            if (!inside(ox, oy, w, h) || length <= 2 * band) continue;
            for (int start = band; start < length - band; start += SEGMENT) {
                int from = start, to = Math.min(start + SEGMENT, length - band);
                // Line j is j pixels inward from the kept line next to the edge (negative: further out).
                // Each line's mean is computed once: the variation's spans overlap in all but one line.
                java.util.Map<Integer, double[]> means = new java.util.HashMap<>();
                Line line = j -> means.computeIfAbsent(j,
                        k -> mean(picture, ox + ax * from + dx * k, oy + ay * from + dy * k, ax, ay, to - from));
                step += largestStep(line, 0, 1, band);
                n++;
                for (int d = NEAR; d + band <= FAR; d++) {
                    if (!inside(ox + ax * from - dx * (d + band), oy + ay * from - dy * (d + band), w, h)) break;
                    variation += largestStep(line, -d, -1, band);
                    m++;
                }
            }
        }
        if (n == 0 || m == 0) {
            throw new IllegalArgumentException("mask rectangle " + x0 + "," + y0 + " to " + x1 + "," + y1
                    + " has no side with room for a seam of " + band + " pixels and kept picture beyond it");
        }
        return new SeamMeasure(step / n, variation / m, n);
    }

    private interface Line {
        double[] at(int j);
    }

    /** The largest RGB distance between line {@code base} and the lines 1..{@code band} further along {@code direction}. */
    private static double largestStep(Line line, int base, int direction, int band) {
        double[] ref = line.at(base);
        double largest = 0;
        for (int k = 1; k <= band; k++) {
            double[] c = line.at(base + direction * k);
            largest = Math.max(largest, Math.sqrt((c[0] - ref[0]) * (c[0] - ref[0]) + (c[1] - ref[1]) * (c[1] - ref[1])
                    + (c[2] - ref[2]) * (c[2] - ref[2])));
        }
        return largest;
    }

    /** The mean RGB of {@code count} pixels from (x, y) along (ax, ay). */
    private static double[] mean(BufferedImage img, int x, int y, int ax, int ay, int count) {
        double[] sum = new double[3];
        for (int i = 0; i < count; i++) {
            int p = img.getRGB(x + ax * i, y + ay * i);
            sum[0] += (p >> 16) & 0xff;
            sum[1] += (p >> 8) & 0xff;
            sum[2] += p & 0xff;
        }
        return new double[] {sum[0] / count, sum[1] / count, sum[2] / count};
    }

    private static boolean inside(int x, int y, int w, int h) {
        return x >= 0 && y >= 0 && x < w && y < h;
    }

}
