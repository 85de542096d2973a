package dev.emergence.app.params;

import java.util.ArrayList;
import java.util.List;

/**
 * Picture sizes offered for a model: common aspect ratios at about the model's native area
 * (so a 512 model gets 512×512, 512×384, 704×384, …), each side a multiple of the model's size
 * multiple. Each is labelled with the aspect its size really has (a small model cannot make
 * every ratio: at 128² in multiples of 64, "4:3" is 192×128, which is 3:2).
 */
public final class SizePresets {
    /** @param ratio the true aspect of width × height, with the ratio aimed at when that differs a little ("11:6 ≈16:9") */
    public record Preset(String ratio, int width, int height) {
        /** The entry that opens the custom width × height fields. */
        public static final Preset CUSTOM = new Preset("Custom…", 0, 0);

        public boolean custom() {
            return width == 0;
        }

        public String label() {
            return custom() ? ratio : ratio + "  " + width + "×" + height;
        }

        @Override
        public String toString() { return label(); }
    }

    private static final int[][] RATIOS = {{1, 1}, {4, 3}, {3, 4}, {3, 2}, {2, 3}, {16, 9}, {9, 16}};

    private SizePresets() {
    }

    /**
     * The resolutions SDXL was trained at (the aspect buckets of the SDXL report's multi-aspect
     * training, about 1024² pixels each), squarest first, landscape before portrait.
     */
    static final int[][] SDXL_BUCKETS = {{1024, 1024}, {1152, 896}, {896, 1152}, {1216, 832}, {832, 1216},
            {1344, 768}, {768, 1344}, {1536, 640}, {640, 1536}};

    /** The presets for a model of {@code family} (a ModelInfo family label): SDXL's own buckets, else {@link #forModel}. */
    public static List<Preset> forFamily(String family, int nativeSize, int multiple) {
        if (!"SDXL".equals(family) || nativeSize != 1024) return forModel(nativeSize, multiple);
        List<Preset> out = new ArrayList<>();
        for (int[] b : SDXL_BUCKETS) {
            if (b[0] % multiple == 0 && b[1] % multiple == 0) out.add(new Preset(ratioLabel(b[0], b[1], b[0], b[1]), b[0], b[1]));
        }
        return out.isEmpty() ? forModel(nativeSize, multiple) : out;
    }

    public static List<Preset> forModel(int nativeSize, int multiple) {
        List<Preset> out = new ArrayList<>();
        for (int[] r : RATIOS) {
            int[] wh = fit(r[0], r[1], nativeSize, multiple);
            Preset p = new Preset(ratioLabel(wh[0], wh[1], r[0], r[1]), wh[0], wh[1]);
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

    /** "3:2" for 192×128; "11:6 ≈16:9" for 704×384 aimed at 16:9 (within 5 %); "1.83:1" when the terms would be large. */
    static String ratioLabel(int w, int h, int aimW, int aimH) {
        int g = gcd(w, h), a = w / g, b = h / g;
        String exact = Math.max(a, b) <= 32 ? a + ":" + b : String.format(java.util.Locale.ROOT, "%.2f:1", (double) w / h);
        if ((long) a * aimH == (long) b * aimW) return exact;
        double off = Math.abs(Math.log((double) w / h) - Math.log((double) aimW / aimH));
        return off < Math.log(1.05) ? exact + " ≈" + aimW + ":" + aimH : exact;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** What the custom fields accept for a side: a multiple of the model's multiple, up to twice its native size. */
    public static NumberRule sideRule(String name, int nativeSize, int multiple) {
        int max = Math.max(multiple, roundTo(2.0 * nativeSize, multiple));
        return new NumberRule(name, multiple, max, multiple, false);
    }

    public static int roundTo(double v, int multiple) {
        return (int) Math.max(multiple, Math.round(v / multiple) * multiple);
    }
}
