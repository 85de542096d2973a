package dev.emergence.app.frame;

import dev.emergence.app.canvas.CanvasDocument;
import dev.emergence.app.canvas.CanvasSnapshot;
import dev.emergence.app.canvas.Layer;
import dev.emergence.app.canvas.MaskOps;
import dev.emergence.app.canvas.Pixels;
import dev.emergence.app.canvas.Rect;
import dev.emergence.engine.pipeline.GenerationMode;

import java.util.Random;

/**
 * Turns the document and its frame into what the engine takes (a picture and a mask of a model
 * size) and says where the result goes back ({@link Placement}). Every mode runs on the frame:
 * txt2img at the frame's aspect, img2img from the visible layers inside it, inpainting from the mask
 * inside it, optionally only around the mask ("only masked": its bounding box plus a padding, at the
 * model's full resolution), and outpainting where the frame reaches past the canvas (that part is
 * masked and pre-filled).
 */
public final class GenerationArea {
    /** The mask is softened by this much before the picture is pasted back (AUTOMATIC1111's default mask blur). */
    static final int PASTE_FEATHER = 4;

    /**
     * @param region the canvas rectangle generated (the frame, or the mask's context)
     * @param size   the engine's size for it
     * @param input  the model-sized picture and mask, and the mode
     */
    public record Plan(Rect region, ModelSize size, CanvasSnapshot input, Placement placement) {
        public GenerationMode mode() { return input.mode(); }
    }

    private GenerationArea() {
    }

    /**
     * What a plan needs from the document, copied on the JavaFX thread (the region's flattened
     * pixels and mask, a quick composite); {@link #plan(Capture, long)} does the rest anywhere.
     */
    public record Capture(GenerationMode mode, Rect region, ModelSize size, java.util.List<dev.emergence.app.canvas.DocLayer> layers, Layer mask,
                          Rect insideLocal, boolean outpaint, InpaintOptions options, int originX, int originY) {
    }

    /** Plans at once (capture and the rest on the calling thread). */
    public static Plan plan(CanvasDocument doc, int nativeSize, int sizeMultiple, InpaintOptions options, long seed) {
        return plan(capture(doc, nativeSize, sizeMultiple, options), seed);
    }

    public static Capture capture(CanvasDocument doc, int nativeSize, int sizeMultiple, InpaintOptions options) {
        GenerationMode mode = doc.mode();
        Rect frame = doc.frame();
        Rect canvas = doc.bounds();
        boolean outpaint = doc.outpainting() && mode == GenerationMode.INPAINT;
        Rect region = frame;
        if (mode == GenerationMode.INPAINT && !outpaint && options.onlyMasked()) {
            Rect box = alphaBounds(doc.maskLayer().pixels(), frame.intersect(canvas));
            if (!box.isEmpty()) region = contextRegion(box, options.paddingPx(), canvas, nativeSize, sizeMultiple);
        }
        ModelSize size = ModelSize.forFrame(region.width(), region.height(), nativeSize, sizeMultiple);
        // Copies of the input layers' pixels in the region (array copies): compositing them is the worker's job.
        java.util.List<dev.emergence.app.canvas.DocLayer> layers = new java.util.ArrayList<>();
        for (dev.emergence.app.canvas.DocLayer l : doc.inputLayers(mode)) {
            if (!l.visible() || l.opacity() <= 0 || l.isBlank()) continue;
            layers.add(dev.emergence.app.canvas.DocLayer.paint(l.pixels().region(region), l.state(), -1, false));
        }
        Layer mask = doc.maskIn(region);
        Rect inside = region.intersect(canvas);
        Rect insideLocal = new Rect(inside.x() - region.x(), inside.y() - region.y(), inside.width(), inside.height());
        return new Capture(mode, region, size, layers, mask, insideLocal, outpaint, options, doc.originX(), doc.originY());
    }



    /**
     * The model-sized inputs and the placement from a capture (its pictures are changed in place:
     * use a capture once). Safe off the JavaFX thread; the slow part (scaling, feathering).
     *
     * @param seed seeds the noise fill of outpainting
     */
    public static Plan plan(Capture c, long seed) {
        GenerationMode mode = c.mode();
        Rect region = c.region();
        ModelSize size = c.size();
        Layer picture = new Layer(region.width(), region.height()), mask = c.mask();
        dev.emergence.app.canvas.Compositor.composite(c.layers(), new Rect(0, 0, region.width(), region.height()), picture.pixels(),
                region.width(), false);
        Rect insideLocal = c.insideLocal();
        boolean outpaint = c.outpaint();
        InpaintOptions options = c.options();
        if (outpaint) {
            fillOutside(picture, insideLocal, options.fill(), seed);
            maskOutside(mask, insideLocal, seamWidth(region));
        }
        Layer modelPicture = new Layer(size.width(), size.height(),
                Resample.scale(picture.pixels(), region.width(), region.height(), size.width(), size.height()));
        Layer modelMask = new Layer(size.width(), size.height(),
                Resample.scale(mask.pixels(), region.width(), region.height(), size.width(), size.height()));
        CanvasSnapshot input = new CanvasSnapshot(modelPicture, modelMask, mode);
        int ox = c.originX(), oy = c.originY();
        if (mode != GenerationMode.INPAINT) return new Plan(region, size, input, Placement.whole(region, ox, oy));

        int n = region.width() * region.height();
        Layer soft = mask.copy();
        MaskOps.feather(soft, PASTE_FEATHER);
        int[] alpha = new int[n];
        for (int i = 0; i < n; i++) {
            int x = i % region.width(), y = i / region.width();
            // Past the canvas nothing lies beneath: the picture covers it fully.
            boolean past = !contains(insideLocal, x, y);
            alpha[i] = past ? 255 : Math.max(soft.pixels()[i] >>> 24, 0);
        }
        if (!options.matchColours()) return new Plan(region, size, input, new Placement(region, alpha, null, null, ox, oy));
        boolean[] band = new boolean[n];
        Layer near = mask.copy();
        MaskOps.feather(near, Math.max(8, options.paddingPx() / 4));
        int[] original = new int[n];
        int[] pic = picture.pixels();
        boolean any = false;
        for (int i = 0; i < n; i++) {
            int x = i % region.width(), y = i / region.width();
            original[i] = Pixels.onWhite(pic[i]);
            if (!contains(insideLocal, x, y)) continue;
            int m = mask.pixels()[i] >>> 24;
            // Just outside the mask (or, outpainting, the overlap at the old edge): both pictures are there.
            band[i] = outpaint ? m > 0 && m < 255 : m == 0 && (near.pixels()[i] >>> 24) > 0;
            any |= band[i];
        }
        return new Plan(region, size, input, new Placement(region, alpha, any ? band : null, any ? original : null, ox, oy));
    }

    /** The bounding box of pixels with alpha inside {@code within}. */
    static Rect alphaBounds(Layer l, Rect within) {
        int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = -1, maxY = -1;
        int[] px = l.pixels();
        for (int y = within.y(); y < within.bottom(); y++) {
            for (int x = within.x(); x < within.right(); x++) {
                if ((px[y * l.width() + x] >>> 24) == 0) continue;
                minX = Math.min(minX, x);
                maxX = Math.max(maxX, x);
                minY = Math.min(minY, y);
                maxY = Math.max(maxY, y);
            }
        }
        return maxX < 0 ? Rect.EMPTY : Rect.of(minX, minY, maxX + 1, maxY + 1);
    }

    /**
     * The mask's box with its padding, grown to the aspect of the model size it will be generated
     * at (as AUTOMATIC1111's "only masked" does) and kept inside the canvas where it fits.
     */
    static Rect contextRegion(Rect box, int padding, Rect canvas, int nativeSize, int sizeMultiple) {
        Rect r = Rect.of(box.x() - padding, box.y() - padding, box.right() + padding, box.bottom() + padding).intersect(canvas);
        ModelSize target = ModelSize.forFrame(r.width(), r.height(), nativeSize, sizeMultiple);
        double aspect = (double) target.width() / target.height();
        int w = r.width(), h = r.height();
        if ((double) w / h < aspect) w = (int) Math.round(h * aspect);
        else h = (int) Math.round(w / aspect);
        w = Math.min(w, canvas.width());
        h = Math.min(h, canvas.height());
        int x = r.x() - (w - r.width()) / 2, y = r.y() - (h - r.height()) / 2;
        x = Math.max(canvas.x(), Math.min(x, canvas.right() - w));
        y = Math.max(canvas.y(), Math.min(y, canvas.bottom() - h));
        return new Rect(x, y, w, h);
    }

    /** How far the generated extension blends into the old picture, in canvas pixels. */
    static int seamWidth(Rect region) {
        return Math.max(8, Math.min(region.width(), region.height()) / 16);
    }

    private static boolean contains(Rect r, int x, int y) {
        return x >= r.x() && y >= r.y() && x < r.right() && y < r.bottom();
    }

    /** Masks the part past the canvas fully, with a ramp of {@code seam} pixels into the old picture. */
    static void maskOutside(Layer mask, Rect inside, int seam) {
        int w = mask.width(), h = mask.height();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v;
                if (!contains(inside, x, y)) {
                    v = 255;
                } else {
                    int d = Integer.MAX_VALUE;
                    // Only the sides where the region reaches past the canvas make a seam.
                    if (inside.x() > 0) d = Math.min(d, x - inside.x());
                    if (inside.right() < w) d = Math.min(d, inside.right() - 1 - x);
                    if (inside.y() > 0) d = Math.min(d, y - inside.y());
                    if (inside.bottom() < h) d = Math.min(d, inside.bottom() - 1 - y);
                    v = d >= seam ? 0 : (int) Math.round(255.0 * (seam - d) / (seam + 1));
                }
                int old = mask.get(x, y) >>> 24;
                int m = Math.max(old, v);
                mask.set(x, y, m == 0 ? 0 : m << 24 | 0xffffff);
            }
        }
    }

    /**
     * Fills the part of {@code picture} past the canvas ({@code inside} is what lies on it) from
     * the old picture's edge, on white paper.
     */
    static void fillOutside(Layer picture, Rect inside, OutpaintFill fill, long seed) {
        int w = picture.width(), h = picture.height();
        int[] px = picture.pixels();
        int[] onWhite = new int[px.length];
        for (int i = 0; i < px.length; i++) onWhite[i] = Pixels.onWhite(px[i]);
        int[] filled = onWhite.clone();
        for (int y = 0; y < h; y++) {
            int sy = Math.max(inside.y(), Math.min(inside.bottom() - 1, y));
            for (int x = 0; x < w; x++) {
                if (contains(inside, x, y)) continue;
                int sx = Math.max(inside.x(), Math.min(inside.right() - 1, x));
                filled[y * w + x] = onWhite[sy * w + sx];
            }
        }
        if (fill != OutpaintFill.EDGE) {
            Layer blurred = new Layer(w, h, filled.clone());
            blurRgb(blurred, Math.max(4, Math.min(w, h) / 8));
            Random noise = new Random(seed);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    if (contains(inside, x, y)) continue;
                    int p = blurred.get(x, y);
                    if (fill == OutpaintFill.NOISE) {
                        double k = 40;
                        p = Pixels.argb(1, ((p >> 16) & 0xff) + noise.nextGaussian() * k, ((p >> 8) & 0xff) + noise.nextGaussian() * k,
                                (p & 0xff) + noise.nextGaussian() * k);
                    }
                    filled[y * w + x] = p | 0xff000000;
                }
            }
        }
        // Inside the canvas the picture keeps its own pixels (with their transparency).
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (!contains(inside, x, y)) px[y * w + x] = filled[y * w + x];
            }
        }
    }

    /** A blur of each colour channel (the mask feather's box blurs, one channel at a time). */
    private static void blurRgb(Layer l, int radius) {
        int[] px = l.pixels();
        int[] out = new int[px.length];
        for (int shift = 0; shift <= 16; shift += 8) {
            Layer ch = new Layer(l.width(), l.height());
            for (int i = 0; i < px.length; i++) ch.pixels()[i] = ((px[i] >> shift) & 0xff) << 24 | 0xffffff;
            MaskOps.feather(ch, radius);
            for (int i = 0; i < px.length; i++) out[i] |= (ch.pixels()[i] >>> 24) << shift;
        }
        for (int i = 0; i < px.length; i++) px[i] = out[i] | 0xff000000;
    }
}
