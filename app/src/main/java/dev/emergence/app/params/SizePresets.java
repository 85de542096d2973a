package dev.emergence.app.params;

import java.util.ArrayList;
import java.util.List;

/**
 * Picture sizes offered for a model: common aspect ratios at about the model's native area
 * (so a 512 model gets 512×512, 576×448, …), each side a multiple of the model's size multiple.
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
     * The size of aspect {@code aw:ah} whose area is closest to nativeSize², both sides rounded to
     * the nearest multiple (at least one multiple).
     */
    public static int[] fit(double aw, double ah, int nativeSize, int multiple) {
        double area = (double) nativeSize * nativeSize;
        double w = Math.sqrt(area * aw / ah), h = area / w;
        return new int[] {roundTo(w, multiple), roundTo(h, multiple)};
    }

    public static int roundTo(double v, int multiple) {
        return (int) Math.max(multiple, Math.round(v / multiple) * multiple);
    }
}
