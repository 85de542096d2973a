package dev.emergence.engine.eval;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Scores a generated picture against the scene its caption described, by the same rules as the
 * recipe's {@code score.py}: a pixel's colour is the nearest palette entry within the tolerance;
 * the background is the per-channel median over the inner half of every region no object is in;
 * an object is present when enough pixels of its colour lie inside its named region and no region
 * where no object of that colour is named holds more of them.
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

    public record ObjectScore(String colour, String region, int pixels, int elsewhereMax, boolean ok) {
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
            objects.add(new ObjectScore(o.colour(), o.region(), count, elsewhere, count >= minPixels && count >= elsewhere));
        }
        return new Score(scene.id(), median, measured.isEmpty() ? null : measured, measured.equals(scene.background()), List.copyOf(objects));
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
