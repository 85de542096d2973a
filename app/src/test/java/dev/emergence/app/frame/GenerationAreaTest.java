package dev.emergence.app.frame;

import dev.emergence.app.canvas.BrushSettings;
import dev.emergence.app.canvas.CanvasDocument;
import dev.emergence.app.canvas.Layer;
import dev.emergence.app.canvas.Rect;
import dev.emergence.app.canvas.Tool;
import dev.emergence.app.canvas.UndoHistory;
import dev.emergence.engine.pipeline.GenerationMode;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the engine gets for each mode on the frame, and where the result goes back. */
class GenerationAreaTest {
    private static final int NATIVE = 128;

    /** A 1600×1200 "photo": red rises to the right, green downwards. */
    private static CanvasDocument photo() {
        CanvasDocument d = new CanvasDocument(64, 64, UndoHistory.DEFAULT_CAP_BYTES);
        BufferedImage img = new BufferedImage(1600, 1200, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 1200; y++) {
            for (int x = 0; x < 1600; x++) img.setRGB(x, y, (x * 255 / 1599) << 16 | (y * 255 / 1199) << 8 | 0x40);
        }
        d.setImage(img, "open photo");
        return d;
    }

    private static int channel(int p, int shift) {
        return (p >> shift) & 0xff;
    }

    @Test
    void txt2imgGeneratesAtTheFramesAspectAndFillsIt() {
        CanvasDocument d = new CanvasDocument(1024, 768, UndoHistory.DEFAULT_CAP_BYTES);
        GenerationArea.Plan p = GenerationArea.plan(d, NATIVE, 8, InpaintOptions.DEFAULT, 1);
        assertEquals(GenerationMode.TXT2IMG, p.mode());
        assertEquals(new ModelSize(192, 128), p.size());
        assertEquals(new Rect(0, 0, 1024, 768), p.region());
        assertNull(p.placement().pasteAlpha(), "the picture covers the whole frame");
        int[] px = ResultPaste.pixels(solid(192, 128, 0xff3366), p.placement());
        assertEquals(1024 * 768, px.length);
        assertEquals(0xffff3366, px[500 * 1024 + 700]);
    }

    @Test
    void img2imgTakesTheVisibleLayersInsideTheFrameAtTheModelsSize() {
        CanvasDocument d = photo();
        d.setFrame(new Rect(800, 600, 400, 304));
        GenerationArea.Plan p = GenerationArea.plan(d, NATIVE, 8, InpaintOptions.DEFAULT, 1);
        assertEquals(GenerationMode.IMG2IMG, p.mode());
        assertEquals(new ModelSize(192, 128), p.size());
        Layer in = p.input().paint();
        assertEquals(192, in.width());
        // The input's centre is the frame's centre, (1000, 752): red 1000·255/1599, green 752·255/1199.
        int c = in.get(96, 64);
        assertEquals(1000 * 255 / 1599, channel(c, 16), 2);
        assertEquals(752 * 255 / 1199, channel(c, 8), 2);
        assertTrue(p.input().mask().isBlank());
    }

    @Test
    void inpaintingOnlyAroundTheMaskGivesASmallRegionTheModelsFullResolution() {
        CanvasDocument d = photo();
        d.beginStroke(Tool.MASK_BRUSH, new BrushSettings(40, 1, 1, 0xffffff), 1000, 500);
        d.endStroke();
        assertEquals(GenerationMode.INPAINT, d.mode());
        GenerationArea.Plan p = GenerationArea.plan(d, NATIVE, 8, InpaintOptions.DEFAULT, 1);
        Rect r = p.region();
        assertTrue(r.x() <= 1000 - 20 - 32 && r.right() >= 1000 + 20 + 32 && r.y() <= 500 - 52 && r.bottom() >= 552, r.toString());
        assertTrue(r.width() < 200, "only the mask and its padding: " + r);
        assertEquals((double) p.size().width() / p.size().height(), (double) r.width() / r.height(), 0.02, "the region has the model size's aspect");
        double masked = maskedFraction(p.input().mask());
        assertTrue(masked > 0.08, "the mask fills a good part of the model's input: " + masked);

        // Pasted back: the picture covers the mask, feathered, and nothing far from it (colours as they are).
        GenerationArea.Plan plain = GenerationArea.plan(d, NATIVE, 8, new InpaintOptions(true, 32, false, OutpaintFill.BLUR), 1);
        assertEquals(r, plain.region());
        int[] px = ResultPaste.pixels(solid(p.size().width(), p.size().height(), 0xff0000), plain.placement());
        int cx = 1000 - r.x(), cy = 500 - r.y();
        assertEquals(0xffff0000, px[cy * r.width() + cx], "the mask's centre is repainted");
        assertEquals(0, px[2 * r.width() + 2] >>> 24, "the padding is context, not repainted");

        GenerationArea.Plan whole = GenerationArea.plan(d, NATIVE, 8, new InpaintOptions(false, 32, true, OutpaintFill.BLUR), 1);
        assertEquals(d.frame(), whole.region(), "with the option off the whole frame is generated");
        assertTrue(maskedFraction(whole.input().mask()) < 0.01);
    }

    @Test
    void outpaintingMasksAndPrefillsThePartPastTheCanvas() {
        CanvasDocument d = photo();
        d.setFrame(new Rect(1344, 0, 512, 1200));
        assertTrue(d.outpainting());
        assertEquals(GenerationMode.INPAINT, d.mode());
        GenerationArea.Plan p = GenerationArea.plan(d, NATIVE, 8, new InpaintOptions(true, 32, true, OutpaintFill.EDGE), 1);
        assertEquals(new Rect(1344, 0, 512, 1200), p.region(), "outpainting generates the whole frame");
        Layer mask = p.input().mask(), in = p.input().paint();
        int w = mask.width(), h = mask.height();
        assertEquals(255, mask.get(w - 1, h / 2) >>> 24, "past the edge: repainted");
        assertEquals(0, mask.get(2, h / 2) >>> 24, "well inside the old picture: kept");
        // Edge colours stretched: past the edge each row has the old picture's last column.
        int edge = in.get(w / 2 - 2, h / 2), past = in.get(w - 2, h / 2);
        assertEquals(255, channel(past, 16), 3, "the last column's red");
        assertEquals(channel(edge, 8), channel(past, 8), 3);
        assertEquals(255, p.placement().pasteAlpha()[600 * 512 + 500], "the extension covers what lies past the edge");
        assertEquals(0, p.placement().pasteAlpha()[600 * 512 + 10], "and leaves the old picture");
    }

    /**
     * Two pictures queued one after the other: the first outpaints past the top left corner, so the
     * canvas grows there and everything moves right and down; the second, planned before that, still
     * lands over the pixels it was made for. Undoing both puts the origin back.
     */
    @Test
    void aQueuedPictureLandsWhereItWasPlannedAfterTheCanvasGrewLeftAndUp() {
        CanvasDocument d = photo();
        FrameGenerations frames = new FrameGenerations(d);
        InpaintOptions options = new InpaintOptions(true, 32, false, OutpaintFill.EDGE);
        d.setFrame(new Rect(-64, -32, 512, 512));
        GenerationArea.Plan first = GenerationArea.plan(d, NATIVE, 8, options, 1);
        d.setFrame(new Rect(800, 400, 256, 256));
        GenerationArea.Plan second = GenerationArea.plan(d, NATIVE, 8, options, 2);
        assertEquals(GenerationMode.IMG2IMG, second.mode());
        int before = d.layers().get(0).pixels().get(800, 400);

        frames.expect(FrameGenerations.placementFor(first, first.mode()), first.mode(), false, false);
        frames.land(new BufferedImage(512, 512, BufferedImage.TYPE_INT_ARGB), request(1)).orElseThrow();
        assertEquals(List.of(64, 32), List.of(d.originX(), d.originY()), "the canvas grew 64 px left and 32 px up");
        assertEquals(before, d.layers().get(0).pixels().get(864, 432), "the photo moved with the canvas");

        frames.expect(FrameGenerations.placementFor(second, second.mode()), second.mode(), false, false);
        BufferedImage green = new BufferedImage(256, 256, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 256; y++) for (int x = 0; x < 256; x++) green.setRGB(x, y, 0xff00ff00);
        dev.emergence.app.canvas.DocLayer landed = frames.land(green, request(2)).orElseThrow();
        assertEquals(0xff00ff00, landed.pixels().get(864, 432), "over the pixels it was made from");
        assertEquals(0, landed.pixels().get(863, 431) >>> 24);
        assertEquals(new Rect(864, 432, 256, 256), frames.history().get(1).region());

        d.undo();
        d.undo();
        assertEquals(List.of(0, 0), List.of(d.originX(), d.originY()));
        assertEquals(1600, d.width());
    }

    private static dev.emergence.engine.pipeline.GenerationRequest request(long seed) {
        return new dev.emergence.engine.pipeline.GenerationRequest("a queued picture", "", 128, 128, 4, 7.5, seed,
                dev.emergence.engine.scheduler.SchedulerKind.DDIM, 1.0, 0, null, null, "default");
    }

    @Test
    void theColourMatchMovesTheBandsStatisticsToTheOriginals() {
        int n = 100;
        int[] picture = new int[n], original = new int[n];
        boolean[] band = new boolean[n];
        for (int i = 0; i < n; i++) {
            int v = 120 + (i % 10) * 4; // mean 138, spread 11.5
            picture[i] = 0xff000000 | v << 16 | v << 8 | v;
            int o = 90 + (i % 10) * 2; // mean 99, spread 5.7
            original[i] = 0xff000000 | o << 16 | o << 8 | o;
            band[i] = true;
        }
        ResultPaste.matchColours(picture, original, band);
        double mean = 0;
        for (int p : picture) mean += channel(p, 8);
        assertEquals(99, mean / n, 0.6);
        assertFalse(channel(picture[9], 8) - channel(picture[0], 8) > 20, "the spread shrinks with the original's");
    }

    private static double maskedFraction(Layer mask) {
        long sum = 0;
        for (int p : mask.pixels()) sum += p >>> 24;
        return sum / 255.0 / mask.pixels().length;
    }

    private static BufferedImage solid(int w, int h, int rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb);
        return img;
    }
}
