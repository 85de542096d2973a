package dev.emergence.app.canvas;

import dev.emergence.engine.pipeline.GenerationMode;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CanvasDocumentTest {
    private static final BrushSettings HARD_RED = new BrushSettings(10, 1, 1, 0xff0000);

    private static CanvasDocument doc() {
        return new CanvasDocument(64, 64, UndoHistory.DEFAULT_CAP_BYTES);
    }

    @Test
    void hardBrushPaintsItsDiscAndNothingElse() {
        CanvasDocument d = doc();
        d.beginStroke(Tool.BRUSH, HARD_RED, 20, 20);
        d.endStroke();
        Layer p = d.layer(LayerId.PAINT);
        assertEquals(0xffff0000, p.get(20, 20), "centre");
        assertEquals(0xffff0000, p.get(23, 20), "3.5 px from the centre, inside the 5 px radius");
        assertEquals(0, p.get(26, 20), "6.5 px out: beyond the radius and its one-pixel rim");
        assertEquals(0, p.get(20, 30));
    }

    @Test
    void aStrokeDoesNotBuildUpWhereItCrossesItself() {
        CanvasDocument d = doc();
        BrushSettings half = new BrushSettings(8, 1, 0.5, 0x0000ff);
        d.beginStroke(Tool.BRUSH, half, 10, 32);
        d.strokeTo(50, 32);
        d.strokeTo(10, 32);
        d.strokeTo(50, 32);
        d.endStroke();
        // One coverage of 0.5 over transparent: alpha 127.5 → 128, however often the dabs overlap.
        assertEquals(0x800000ff, d.layer(LayerId.PAINT).get(30, 32));
    }

    @Test
    void undoRestoresEveryPixelAndRedoReappliesThem() {
        CanvasDocument d = doc();
        d.beginStroke(Tool.BRUSH, HARD_RED, 10, 10);
        d.strokeTo(40, 50);
        d.endStroke();
        int[] painted = d.layer(LayerId.PAINT).pixels().clone();
        d.beginStroke(Tool.BRUSH, HARD_RED.withSize(20), 50, 10);
        d.endStroke();
        int[] twoStrokes = d.layer(LayerId.PAINT).pixels().clone();

        d.undo();
        assertArrayEquals(painted, d.layer(LayerId.PAINT).pixels());
        d.undo();
        assertTrue(d.layer(LayerId.PAINT).isBlank());
        assertFalse(d.canUndoProperty().get());
        d.redo();
        assertArrayEquals(painted, d.layer(LayerId.PAINT).pixels());
        d.redo();
        assertArrayEquals(twoStrokes, d.layer(LayerId.PAINT).pixels());
        assertFalse(d.canRedoProperty().get());
    }

    @Test
    void aNewEditForgetsTheRedoStack() {
        CanvasDocument d = doc();
        d.beginStroke(Tool.BRUSH, HARD_RED, 10, 10);
        d.endStroke();
        d.undo();
        assertTrue(d.canRedoProperty().get());
        d.beginStroke(Tool.BRUSH, HARD_RED, 30, 30);
        d.endStroke();
        assertFalse(d.canRedoProperty().get());
    }

    @Test
    void modeFollowsTheCanvas() {
        CanvasDocument d = doc();
        assertEquals(GenerationMode.TXT2IMG, d.mode());
        d.beginStroke(Tool.BRUSH, HARD_RED, 10, 10);
        d.endStroke();
        assertEquals(GenerationMode.IMG2IMG, d.mode());
        d.beginStroke(Tool.MASK_BRUSH, HARD_RED, 30, 30);
        d.endStroke();
        assertEquals(GenerationMode.INPAINT, d.mode());
        d.beginStroke(Tool.MASK_ERASER, HARD_RED.withSize(40), 30, 30);
        d.endStroke();
        assertEquals(GenerationMode.IMG2IMG, d.mode(), "the mask erased entirely");
        d.undo();
        assertEquals(GenerationMode.INPAINT, d.mode());
        d.clearPaint();
        d.clearMask();
        assertEquals(GenerationMode.TXT2IMG, d.mode());
    }

    @Test
    void eraserRemovesPaint() {
        CanvasDocument d = doc();
        d.fill(0, 0, 0x00ff00, 0);
        d.beginStroke(Tool.ERASER, HARD_RED, 32, 32);
        d.endStroke();
        assertEquals(0, d.layer(LayerId.PAINT).get(32, 32));
        assertEquals(0xff00ff00, d.layer(LayerId.PAINT).get(5, 5));
    }

    @Test
    void fillStopsAtALineAndIsOneUndoStep() {
        CanvasDocument d = doc();
        // A hard black line across the whole height at x = 32 splits the canvas in two.
        d.beginStroke(Tool.BRUSH, new BrushSettings(4, 1, 1, 0x000000), 32, -5);
        d.strokeTo(32, 70);
        d.endStroke();
        d.fill(5, 5, 0x00ff00, 0);
        Layer p = d.layer(LayerId.PAINT);
        assertEquals(0xff00ff00, p.get(5, 60));
        assertEquals(0, p.get(60, 5), "the other side of the line");
        assertEquals(0xff000000, p.get(32, 10), "the line itself");
        d.undo();
        assertEquals(0, d.layer(LayerId.PAINT).get(5, 60));
    }

    @Test
    void eyedropperSeesPaintOnWhitePaper() {
        CanvasDocument d = doc();
        d.beginStroke(Tool.BRUSH, new BrushSettings(10, 1, 0.5, 0xff0000), 20, 20);
        d.endStroke();
        // The layer holds red at alpha 128 (0.5 · 255 rounded); on white: G = B = 255 · (1 − 128/255) = 127.
        assertEquals(0xffff7f7f, d.pick(20, 20));
        assertEquals(0xffffffff, d.pick(60, 60));
    }

    @Test
    void invertTheMaskAndUndoIt() {
        CanvasDocument d = doc();
        d.invertMask();
        assertEquals(255, Pixels.alpha(d.layer(LayerId.MASK).get(10, 10)), "inverting nothing masks everything");
        assertEquals(GenerationMode.INPAINT, d.mode());
        d.featherMask(4);
        assertEquals(255, Pixels.alpha(d.layer(LayerId.MASK).get(0, 0)), "a full mask has no edge to soften");
        d.undo();
        assertEquals(GenerationMode.TXT2IMG, d.mode());
    }

    @Test
    void featherSoftensAStepSymmetrically() {
        Layer m = new Layer(64, 8);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 32; x++) m.set(x, y, 0xffffffff);
        MaskOps.feather(m, 3);
        // A symmetric blur of a step: the two pixels astride the edge add up to the full value,
        // values fall monotonically, and pixels beyond the blur's reach (3 passes × 3 px) are untouched.
        assertEquals(255, Pixels.alpha(m.get(31, 4)) + Pixels.alpha(m.get(32, 4)), 1);
        assertTrue(Pixels.alpha(m.get(31, 4)) < 255 && Pixels.alpha(m.get(32, 4)) > 0);
        for (int x = 1; x < 64; x++) assertTrue(Pixels.alpha(m.get(x, 4)) <= Pixels.alpha(m.get(x - 1, 4)));
        assertEquals(255, Pixels.alpha(m.get(22, 4)));
        assertEquals(0, Pixels.alpha(m.get(41, 4)));
    }

    @Test
    void resizeScalesAndUndoesToTheOldSize() {
        CanvasDocument d = doc();
        d.fill(0, 0, 0x336699, 0);
        d.resize(128, 96);
        assertEquals(128, d.width());
        assertEquals(96, d.layer(LayerId.MASK).height());
        assertEquals(0xff336699, d.layer(LayerId.PAINT).get(100, 90));
        d.undo();
        assertEquals(64, d.width());
        assertEquals(64, d.heightProperty().get());
    }

    @Test
    void imageAsCanvasTakesItsSizeAndClearsTheMask() {
        CanvasDocument d = doc();
        d.invertMask();
        BufferedImage img = new BufferedImage(80, 48, BufferedImage.TYPE_INT_RGB);
        img.setRGB(3, 4, 0x123456);
        d.setImage(img, "use result as canvas");
        assertEquals(80, d.width());
        assertEquals(0xff123456, d.layer(LayerId.PAINT).get(3, 4));
        assertEquals(GenerationMode.IMG2IMG, d.mode());
        d.undo();
        assertEquals(GenerationMode.INPAINT, d.mode());
    }

    @Test
    void snapshotGivesTheEngineItsInputs() {
        CanvasDocument d = doc();
        d.beginStroke(Tool.BRUSH, new BrushSettings(10, 1, 0.5, 0xff0000), 20, 20);
        d.endStroke();
        d.beginStroke(Tool.MASK_BRUSH, new BrushSettings(10, 1, 1, 0), 40, 40);
        d.endStroke();
        CanvasSnapshot s = d.snapshot();
        assertEquals(GenerationMode.INPAINT, s.mode());
        assertEquals(0xffff7f7f, s.initImage().getRGB(20, 20), "red at alpha 128 on white, as the eyedropper sees it");
        assertEquals(0xffffffff, s.initImage().getRGB(50, 10));
        assertEquals(255, s.maskImage().getRaster().getSample(40, 40, 0));
        assertEquals(0, s.maskImage().getRaster().getSample(10, 10, 0));
        // The snapshot is a copy: later strokes do not reach it.
        d.clearPaint();
        assertNotEquals(0, s.paint().get(20, 20));
    }

    @Test
    void historyCapForgetsTheOldestButKeepsTheNewest() {
        // Each whole-layer edit of 64×64 holds 2 × 64·64 × 4 bytes = 32 KiB.
        CanvasDocument d = new CanvasDocument(64, 64, 100_000);
        for (int i = 0; i < 6; i++) d.fill(0, 0, 0x010101 * (i + 1), 0);
        assertEquals(3, d.history().undoDepth(), "3 × 32 KiB fit in 100 000 bytes, 4 do not");
        CanvasDocument tiny = new CanvasDocument(64, 64, 10);
        tiny.fill(0, 0, 0xff0000, 0);
        assertTrue(tiny.canUndoProperty().get(), "the newest edit stays even above the cap");
    }
}
