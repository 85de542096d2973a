package dev.emergence.app.params;

import java.util.ArrayList;
import java.util.List;

/**
 * Picture sizes offered for a model: common aspect ratios at about the model's native area
 * (so a 512 model gets 512×512, 512×384, 704×384, …), each side a multiple of the model's size multiple.
 */
public final class SizePresets {
    public record Preset(String ratio, int width, int height) {
        public String label() {
            return ratio + "  " + width + "×" + height;
        }

        @Override
        public String toString() { return label(); }
    }

    private static final int[][] RATIOS = {{1, 1}, {4, 3}, {3, 4}, {3, 2}, {2, 3}, {16, 9}, {9, 16}};

    private SizePresets() {
    }

    public static List<Preset> forModel(int nativeSize, int multiple) {
        List<Preset> out = new ArrayList<>();
        for (int[] r : RATIOS) {
            int[] wh = fit(r[0], r[1], nativeSize, multiple);
            Preset p = new Preset(r[0] + ":" + r[1], wh[0], wh[1]);
            if (out.stream().noneMatch(o -> o.width() == p.width() && o.height() == p.height())) out.add(p);
        }
        return out;
    }

    /**
     * The size for aspect {@code aw:ah}: sides multiples of {@code multiple}, area within half to
     * twice nativeSize², closest in aspect and then in area (aspect weighs ten times more: a
     * distorted picture is worse than a slightly larger or smaller one).
     */
    public static int[] fit(double aw, double ah, int nativeSize, int multiple) {
        double target = Math.log(aw / ah), area = (double) nativeSize * nativeSize;
        int[] best = {roundTo(nativeSize, multiple), roundTo(nativeSize, multiple)};
        double bestScore = Double.MAX_VALUE;
        int limit = Math.max(multiple, 4 * nativeSize);
        for (int w = multiple; w <= limit; w += multiple) {
            for (int h = multiple; h <= limit; h += multiple) {
                double a = (double) w * h / area;
                if (a < 0.5 || a > 2.0) continue;
                double score = Math.abs(Math.log((double) w / h) - target) + 0.1 * Math.abs(Math.log(a));
                if (score < bestScore - 1e-12) {
                    bestScore = score;
                    best = new int[] {w, h};
                }
            }
        }
        return best;
    }

    public static int roundTo(double v, int multiple) {
        return (int) Math.max(multiple, Math.round(v / multiple) * multiple);
    }
}
