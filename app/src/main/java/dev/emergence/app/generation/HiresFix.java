package dev.emergence.app.generation;

import dev.emergence.app.canvas.Rect;
import dev.emergence.app.frame.Resample;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.pipeline.GenerationResult;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * "Hires fix": a picture generated at the model's size is upscaled 2× (Lanczos) and refined by
 * img2img at a low strength, in tiles of the model's size overlapping by a quarter, blended
 * linearly across the overlaps, so the model only ever works at the size it was trained for and
 * the result has twice the detail. Each tile is a pass the caller runs (with progress and cancel).
 */
public final class HiresFix {
    public static final double SCALE = 2;
    public static final double DEFAULT_STRENGTH = 0.35;

    /** Runs one img2img pass of the engine (blocking; throws when cancelled or failed). */
    public interface Pass {
        BufferedImage run(GenerationRequest request, BufferedImage init, int index, int count) throws Exception;
    }

    private HiresFix() {
    }

    /** The tiles of a w×h picture, each tw×th, overlapping by at least a quarter, the last ones flush with the edges. */
    public static List<Rect> tiles(int w, int h, int tw, int th) {
        List<Rect> out = new ArrayList<>();
        for (int y : starts(h, th)) {
            for (int x : starts(w, tw)) out.add(new Rect(x, y, Math.min(tw, w), Math.min(th, h)));
        }
        return out;
    }

    private static List<Integer> starts(int total, int tile) {
        List<Integer> s = new ArrayList<>();
        if (tile >= total) {
            s.add(0);
            return s;
        }
        int stride = tile - tile / 4;
        for (int p = 0; ; p += stride) {
            if (p + tile >= total) {
                s.add(total - tile);
                return s;
            }
            s.add(p);
        }
    }

    /**
     * The hires picture for a finished generation: the base picture upscaled, then each tile
     * refined by {@code pass} and blended in.
     */
    public static BufferedImage refine(GenerationResult base, double strength, Pass pass) throws Exception {
        BufferedImage img = base.image();
        int w = img.getWidth(), h = img.getHeight();
        int uw = (int) Math.round(w * SCALE), uh = (int) Math.round(h * SCALE);
        int[] up = Resample.lanczos(img.getRGB(0, 0, w, h, null, 0, w), w, h, uw, uh);
        GenerationRequest r = base.request().withSize(w, h).withStrength(strength).withControls(List.of());
        List<Rect> tiles = tiles(uw, uh, w, h);
        double[] acc = new double[3 * uw * uh];
        double[] weight = new double[uw * uh];
        for (int i = 0; i < tiles.size(); i++) {
            Rect t = tiles.get(i);
            BufferedImage init = new BufferedImage(t.width(), t.height(), BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < t.height(); y++) init.setRGB(0, y, t.width(), 1, up, (t.y() + y) * uw + t.x(), uw);
            BufferedImage refined = pass.run(r.withSize(t.width(), t.height()), init, i, tiles.size());
            blend(refined, t, uw, uh, acc, weight);
        }
        BufferedImage out = new BufferedImage(uw, uh, BufferedImage.TYPE_INT_RGB);
        int[] px = new int[uw * uh];
        for (int i = 0; i < px.length; i++) {
            double k = weight[i] > 0 ? 1 / weight[i] : 0;
            px[i] = 0xff000000 | c(acc[3 * i] * k) << 16 | c(acc[3 * i + 1] * k) << 8 | c(acc[3 * i + 2] * k);
        }
        out.setRGB(0, 0, uw, uh, px, 0, uw);
        return out;
    }

    /** Adds a refined tile with weights ramping up over the overlap on each side that has a neighbour. */
    static void blend(BufferedImage tile, Rect t, int uw, int uh, double[] acc, double[] weight) {
        double ox = Math.max(1, t.width() / 4.0), oy = Math.max(1, t.height() / 4.0);
        for (int y = 0; y < t.height(); y++) {
            int gy = t.y() + y;
            double wy = Math.min(t.y() > 0 ? (y + 0.5) / oy : 1, t.bottom() < uh ? (t.height() - y - 0.5) / oy : 1);
            for (int x = 0; x < t.width(); x++) {
                int gx = t.x() + x;
                double wx = Math.min(t.x() > 0 ? (x + 0.5) / ox : 1, t.right() < uw ? (t.width() - x - 0.5) / ox : 1);
                double wgt = Math.min(1, wx) * Math.min(1, wy);
                int p = tile.getRGB(x, y), i = gy * uw + gx;
                acc[3 * i] += ((p >> 16) & 0xff) * wgt;
                acc[3 * i + 1] += ((p >> 8) & 0xff) * wgt;
                acc[3 * i + 2] += (p & 0xff) * wgt;
                weight[i] += wgt;
            }
        }
    }

    private static int c(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
