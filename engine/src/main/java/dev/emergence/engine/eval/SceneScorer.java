package dev.emergence.engine.eval;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Scores a generated picture against the scene its caption described, by the same rules as the
 * recipe's {@code score.py}: a pixel's colour is the nearest palette entry within the tolerance;
 * the background is the per-channel median over the inner half of every region no object is in;
 * an object is present when enough pixels of its colour lie inside its named region and no region
 * where no object of that colour is named holds more of them. Its shape is the silhouette that best
 * overlaps (intersection over union) the largest 4-connected blob of its colour near its region, each
 * silhouette stretched to the blob's bounding box.
 */
public final class SceneScorer {
    private final HeldOutScenes doc;
    private final String[] names;
    private final int[][] rgb;

    public SceneScorer(HeldOutScenes doc) {
        this.doc = doc;
        this.names = doc.palette().keySet().toArray(new String[0]);
        this.rgb = doc.palette().values().toArray(new int[0][]);
    }

    /**
     * @param shapeMeasured the best-matching silhouette's name, or null when no blob of the colour is large
     *                      enough (or the scene file has no silhouettes)
     * @param iou           each silhouette's intersection over union with the blob, in the file's order
     */
    public record ObjectScore(String colour, String region, int pixels, int elsewhereMax, boolean ok,
                              String shape, String shapeMeasured, Map<String, Double> iou) {
        public boolean shapeOk() {
            return shapeMeasured != null && shapeMeasured.equals(shape);
        }
    }

    public record Score(String id, double[] backgroundRgb, String backgroundClassified, boolean backgroundOk,
                        List<ObjectScore> objects) {
        public boolean ok() {
            return backgroundOk && objects.stream().allMatch(ObjectScore::ok);
        }
    }

    /** The palette name of a colour, or "" when no entry is within the tolerance. */
    public String classify(double r, double g, double b) {
        int best = -1;
        double bestD = Double.POSITIVE_INFINITY;
        for (int i = 0; i < names.length; i++) {
            double dr = r - rgb[i][0], dg = g - rgb[i][1], db = b - rgb[i][2];
            double d = Math.sqrt(dr * dr + dg * dg + db * db);
            if (d < bestD) {
                bestD = d;
                best = i;
            }
        }
        return bestD > doc.colourTolerance() ? "" : names[best];
    }

    public Score score(BufferedImage picture, HeldOutScenes.Scene scene) {
        int w = picture.getWidth(), h = picture.getHeight();
        Set<String> occupied = scene.objects().stream().map(HeldOutScenes.SceneObject::region).collect(Collectors.toSet());
        List<int[]> samples = new ArrayList<>();
        for (Map.Entry<String, double[]> region : doc.regionFractions().entrySet()) {
            if (occupied.contains(region.getKey())) continue;
            int[] box = box(region.getValue(), w, h);
            int dx = (box[2] - box[0]) / 4, dy = (box[3] - box[1]) / 4;
            for (int y = box[1] + dy; y < box[3] - dy; y++) {
                for (int x = box[0] + dx; x < box[2] - dx; x++) samples.add(rgbAt(picture, x, y));
            }
        }
        double[] median = new double[3];
        for (int ch = 0; ch < 3; ch++) {
            final int c = ch;
            median[ch] = median(samples.stream().mapToInt(p -> p[c]).toArray());
        }
        String measured = samples.isEmpty() ? "" : classify(median[0], median[1], median[2]);
        List<ObjectScore> objects = new ArrayList<>();
        double minPixels = doc.minObjectPixels() * (double) (h * w) / ((double) doc.imageSize() * doc.imageSize());
        String[][] classified = new String[h][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int[] p = rgbAt(picture, x, y);
                classified[y][x] = classify(p[0], p[1], p[2]);
            }
        }
        for (HeldOutScenes.SceneObject o : scene.objects()) {
            int count = pixelsOf(classified, o.colour(), o.region(), w, h);
            // Regions where no object of this colour was asked for: none may hold more of it (a picture
            // speckled with every colour, or an object drawn elsewhere, does not pass).
            Set<String> named = scene.objects().stream().filter(p -> p.colour().equals(o.colour()))
                    .map(HeldOutScenes.SceneObject::region).collect(Collectors.toSet());
            int elsewhere = 0;
            for (String region : doc.regionFractions().keySet()) {
                if (!named.contains(region)) elsewhere = Math.max(elsewhere, pixelsOf(classified, o.colour(), region, w, h));
            }
            Map<String, Double> iou = shapeIou(classified, o.colour(), doc.regionFractions().get(o.region()), minPixels);
            String shapeMeasured = iou.entrySet().stream().reduce((a, b) -> b.getValue() > a.getValue() ? b : a)
                    .map(Map.Entry::getKey).orElse(null);
            objects.add(new ObjectScore(o.colour(), o.region(), count, elsewhere, count >= minPixels && count >= elsewhere,
                    o.shape(), shapeMeasured, iou));
        }
        return new Score(scene.id(), median, measured.isEmpty() ? null : measured, measured.equals(scene.background()), List.copyOf(objects));
    }

    /** IoU of each silhouette with the largest blob of the colour in the widened region; empty when none is large enough. */
    private Map<String, Double> shapeIou(String[][] names, String colour, double[] fraction, double minPixels) {
        int h = names.length, w = names[0].length;
        double mx = (fraction[2] - fraction[0]) * doc.shapeSearchMargin(), my = (fraction[3] - fraction[1]) * doc.shapeSearchMargin();
        int[] box = box(new double[] {Math.max(0, fraction[0] - mx), Math.max(0, fraction[1] - my),
                Math.min(1, fraction[2] + mx), Math.min(1, fraction[3] + my)}, w, h);
        boolean[][] blob = largestComponent(names, colour, box);
        int count = 0, x0 = Integer.MAX_VALUE, y0 = Integer.MAX_VALUE, x1 = -1, y1 = -1;
        for (int y = 0; y < blob.length; y++) {
            for (int x = 0; x < blob[0].length; x++) {
                if (!blob[y][x]) continue;
                count++;
                x0 = Math.min(x0, x);
                y0 = Math.min(y0, y);
                x1 = Math.max(x1, x);
                y1 = Math.max(y1, y);
            }
        }
        Map<String, Double> iou = new LinkedHashMap<>();
        if (count < minPixels || count == 0) return iou;
        int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
        for (Map.Entry<String, HeldOutScenes.Silhouette> s : doc.silhouettes().entrySet()) {
            int both = 0, either = 0;
            for (int y = 0; y < bh; y++) {
                double v = (y + 0.5) / bh * 2 - 1;
                for (int x = 0; x < bw; x++) {
                    boolean in = s.getValue().contains((x + 0.5) / bw * 2 - 1, v), on = blob[y0 + y][x0 + x];
                    if (in && on) both++;
                    if (in || on) either++;
                }
            }
            iou.put(s.getKey(), (double) both / either);
        }
        return iou;
    }

    /** The largest 4-connected set of pixels of the colour inside the box (the first found wins a tie), in box coordinates. */
    private static boolean[][] largestComponent(String[][] names, String colour, int[] box) {
        int bw = box[2] - box[0], bh = box[3] - box[1];
        int[][] label = new int[bh][bw];
        int best = 0, bestSize = 0, n = 0;
        int[] stack = new int[Math.max(1, bw * bh)];
        for (int y0 = 0; y0 < bh; y0++) {
            for (int x0 = 0; x0 < bw; x0++) {
                if (label[y0][x0] != 0 || !names[box[1] + y0][box[0] + x0].equals(colour)) continue;
                label[y0][x0] = ++n;
                int top = 0, size = 0;
                stack[top++] = y0 * bw + x0;
                while (top > 0) {
                    int p = stack[--top], y = p / bw, x = p % bw;
                    size++;
                    int[][] next = {{y - 1, x}, {y + 1, x}, {y, x - 1}, {y, x + 1}};
                    for (int[] q : next) {
                        if (q[0] < 0 || q[0] >= bh || q[1] < 0 || q[1] >= bw || label[q[0]][q[1]] != 0) continue;
                        if (!names[box[1] + q[0]][box[0] + q[1]].equals(colour)) continue;
                        label[q[0]][q[1]] = n;
                        stack[top++] = q[0] * bw + q[1];
                    }
                }
                if (size > bestSize) {
                    best = n;
                    bestSize = size;
                }
            }
        }
        boolean[][] out = new boolean[bh][bw];
        for (int y = 0; y < bh; y++) {
            for (int x = 0; x < bw; x++) out[y][x] = best != 0 && label[y][x] == best;
        }
        return out;
    }

    private int pixelsOf(String[][] names, String colour, String region, int w, int h) {
        int[] box = box(doc.regionFractions().get(region), w, h);
        int count = 0;
        for (int y = box[1]; y < box[3]; y++) {
            for (int x = box[0]; x < box[2]; x++) {
                if (names[y][x].equals(colour)) count++;
            }
        }
        return count;
    }

    /** Python's round() (half to even) of fractional boxes, as score.py computes them. */
    static int[] box(double[] fraction, int w, int h) {
        return new int[] {(int) Math.rint(fraction[0] * w), (int) Math.rint(fraction[1] * h),
                (int) Math.rint(fraction[2] * w), (int) Math.rint(fraction[3] * h)};
    }

    /** numpy's median: the mean of the two middle values for an even count. */
    static double median(int[] values) {
        if (values.length == 0) return Double.NaN;
        int[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    }

    private static int[] rgbAt(BufferedImage img, int x, int y) {
        int p = img.getRGB(x, y);
        return new int[] {(p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff};
    }
}
