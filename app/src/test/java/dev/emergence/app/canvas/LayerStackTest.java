package dev.emergence.app.canvas;

import dev.emergence.engine.pipeline.GenerationMode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The layer stack, the frame and generations landing as layers, each one undo step that redo replays. */
class LayerStackTest {
    private static final BrushSettings HARD_BLUE = new BrushSettings(12, 1, 1, 0x0000ff);

    private static CanvasDocument doc(int w, int h) {
        return new CanvasDocument(w, h, UndoHistory.DEFAULT_CAP_BYTES);
    }

    /** Everything a view or a project file sees of a document. */
    private record Seen(int w, int h, List<String> names, List<DocLayer.State> states, List<int[]> pixels, int[] mask, Rect frame, String active) {
        static Seen of(CanvasDocument d) {
            List<int[]> px = new ArrayList<>();
            for (DocLayer l : d.layers()) px.add(l.pixels().pixels().clone());
            return new Seen(d.width(), d.height(), d.layers().stream().map(DocLayer::name).toList(),
                    d.layers().stream().map(DocLayer::state).toList(), px, d.maskLayer().pixels().pixels().clone(), d.frame(), d.activeLayer().name());
        }

        void assertSeenIn(CanvasDocument d, String what) {
            Seen o = of(d);
            assertEquals(List.of(w, h), List.of(o.w, o.h), what + ": size");
            assertEquals(names, o.names, what + ": layers");
            assertEquals(states, o.states, what + ": layer settings");
            for (int i = 0; i < pixels.size(); i++) assertArrayEquals(pixels.get(i), o.pixels.get(i), what + ": pixels of " + names.get(i));
            assertArrayEquals(mask, o.mask, what + ": mask");
            assertEquals(frame, o.frame, what + ": frame");
            assertEquals(active, o.active, what + ": active layer");
        }
    }

    private static void stroke(CanvasDocument d, double x0, double y0, double x1, double y1) {
        d.beginStroke(Tool.BRUSH, HARD_BLUE, x0, y0);
        d.strokeTo(x1, y1);
        d.endStroke();
    }

    /** Undoes every step back to the start and redoes them all, checking each state on the way. */
    private static void assertUndoRedoReplays(CanvasDocument d, List<Seen> states) {
        for (int i = states.size() - 2; i >= 0; i--) {
            d.undo();
            states.get(i).assertSeenIn(d, "after undoing to step " + i);
        }
        for (int i = 1; i < states.size(); i++) {
            d.redo();
            states.get(i).assertSeenIn(d, "after redoing step " + i);
        }
    }

    @Test
    void everyLayerOperationIsOneUndoStepThatRedoReplays() {
        CanvasDocument d = doc(96, 80);
        List<Seen> states = new ArrayList<>();
        states.add(Seen.of(d));
        stroke(d, 10, 10, 60, 10);
        states.add(Seen.of(d));
        d.addLayer();
        states.add(Seen.of(d));
        assertEquals(List.of("Layer 1", "Layer 2"), d.layers().stream().map(DocLayer::name).toList());
        stroke(d, 10, 40, 60, 40);
        states.add(Seen.of(d));
        assertTrue(d.layers().get(0).pixels().get(30, 40) == 0, "the stroke went on the active (new) layer only");
        d.renameLayer(d.activeLayer(), "sketch");
        states.add(Seen.of(d));
        d.setOpacity(d.activeLayer(), 0.5);
        states.add(Seen.of(d));
        d.duplicateLayer();
        states.add(Seen.of(d));
        assertEquals("sketch copy", d.activeLayer().name());
        d.moveLayer(-1);
        states.add(Seen.of(d));
        assertEquals(List.of("Layer 1", "sketch copy", "sketch"), d.layers().stream().map(DocLayer::name).toList());
        d.setVisible(d.layers().get(2), false);
        states.add(Seen.of(d));
        d.setLocked(d.layers().get(0), true);
        states.add(Seen.of(d));
        d.deleteLayer();
        states.add(Seen.of(d));
        assertEquals(List.of("Layer 1", "sketch"), d.layers().stream().map(DocLayer::name).toList());
        assertUndoRedoReplays(d, states);
    }

    @Test
    void aLockedLayerRefusesStrokesAndFillsWithAReason() {
        CanvasDocument d = doc(64, 64);
        List<String> notices = new ArrayList<>();
        d.setNotices(notices::add);
        d.setLocked(d.activeLayer(), true);
        int revision = d.revisionProperty().get();
        stroke(d, 10, 10, 50, 50);
        d.fill(5, 5, 0xff0000, 0);
        assertTrue(d.activeLayer().isBlank());
        assertEquals(revision, d.revisionProperty().get(), "nothing recorded");
        assertEquals(2, notices.size());
        assertTrue(notices.get(0).contains("Layer 1 is locked"), notices.get(0));
    }

    @Test
    void theCompositeIsSourceOverWithEachLayersOpacity() {
        CanvasDocument d = doc(8, 8);
        d.fill(0, 0, 0x204080, 0);
        d.addLayer();
        d.fill(0, 0, 0xff0000, 0);
        d.setOpacity(d.activeLayer(), 0.25);
        // Source over on white paper (W3C Compositing, "source-over"): C = Cs·αs + Cb·(1 − αs), with αs = 0.25.
        int expected = 0xff000000 | Math.round(255 * 0.25f + 0x20 * 0.75f) << 16 | Math.round(0x40 * 0.75f) << 8 | Math.round(0x80 * 0.75f);
        assertEquals(Integer.toHexString(expected), Integer.toHexString(d.pick(3, 3)));
        d.setVisible(d.activeLayer(), false);
        assertEquals(0xff204080, d.pick(3, 3), "a hidden layer shows nothing");
    }

    @Test
    void mergeDownAndFlattenKeepWhatTheVisibleLayersShow() {
        CanvasDocument d = doc(32, 32);
        d.fill(0, 0, 0x336699, 0);
        d.addLayer();
        stroke(d, 4, 16, 28, 16);
        d.setOpacity(d.activeLayer(), 0.6);
        int[] shown = new int[32 * 32];
        Compositor.composite(d.layers(), d.bounds(), shown, 32, true);
        List<Seen> states = new ArrayList<>(List.of(Seen.of(d)));
        d.mergeDown();
        states.add(Seen.of(d));
        assertEquals(1, d.layers().size());
        assertEquals("Layer 1", d.activeLayer().name(), "the lower layer keeps its name");
        int[] merged = new int[32 * 32];
        Compositor.composite(d.layers(), d.bounds(), merged, 32, true);
        assertArrayEquals(shown, merged, "merging changes nothing that shows");
        assertUndoRedoReplays(d, states);

        d.undo();
        d.addLayer();
        d.fill(0, 0, 0xffffff, 0);
        d.setVisible(d.activeLayer(), false);
        d.flatten();
        assertEquals(List.of("Flattened"), d.layers().stream().map(DocLayer::name).toList(), "hidden layers are dropped");
        int[] flat = new int[32 * 32];
        Compositor.composite(d.layers(), d.bounds(), flat, 32, true);
        assertArrayEquals(shown, flat);
        d.undo();
        assertEquals(3, d.layers().size());
    }

    @Test
    void theFrameSnapsToEightPixelsNudgesAndUndoes() {
        CanvasDocument d = doc(1024, 768);
        assertEquals(new Rect(0, 0, 1024, 768), d.frame(), "a new document's frame covers it");
        d.setFrame(new Rect(101, 203, 509, 330));
        assertEquals(new Rect(104, 200, 512, 328), d.frame());
        d.nudgeFrame(8, -8);
        assertEquals(new Rect(112, 192, 512, 328), d.frame());
        d.setFrame(new Rect(0, 0, 10, 10));
        assertEquals(new Rect(0, 0, 64, 64), d.frame(), "at least 64 px a side");
        d.undo();
        d.undo();
        assertEquals(new Rect(104, 200, 512, 328), d.frame());
        d.redo();
        assertEquals(new Rect(112, 192, 512, 328), d.frame());
    }

    @Test
    void theModeIsDecidedByWhatTheFrameHolds() {
        CanvasDocument d = doc(512, 512);
        stroke(d, 20, 20, 60, 20);
        assertEquals(GenerationMode.IMG2IMG, d.mode());
        d.setFrame(new Rect(256, 256, 256, 256));
        assertEquals(GenerationMode.TXT2IMG, d.mode(), "nothing painted inside the frame");
        d.beginStroke(Tool.MASK_BRUSH, HARD_BLUE, 300, 300);
        d.endStroke();
        assertEquals(GenerationMode.INPAINT, d.mode());
        d.clearMask();
        d.setFrame(new Rect(0, 0, 640, 512));
        assertTrue(d.outpainting());
        assertEquals(GenerationMode.INPAINT, d.mode(), "a frame past the edge beside the picture outpaints");
    }

    @Test
    void aGenerationLandsAsALayerAndUndoRemovesItWithTheCanvasGrowth() {
        CanvasDocument d = doc(200, 100);
        d.fill(0, 0, 0x808080, 0);
        Seen before = Seen.of(d);
        // A frame reaching 64 px past the left edge: the canvas grows there, and everything moves right.
        int[] picture = new int[128 * 100];
        java.util.Arrays.fill(picture, 0xff00ff00);
        DocLayer l = d.addGenerated("a green field · 7", new Rect(-64, 0, 128, 100), picture, 0);
        assertEquals(264, d.width());
        assertEquals("a green field · 7", l.name());
        assertSame(l, d.activeLayer());
        assertEquals(0xff00ff00, l.pixels().get(0, 50));
        assertEquals(0xff00ff00, l.pixels().get(127, 50));
        assertEquals(0, l.pixels().get(128, 50), "the layer holds only its region");
        assertEquals(0xff808080, d.layers().get(0).pixels().get(64, 50), "the artist's layer moved with the canvas");
        assertEquals(0, d.layers().get(0).pixels().get(10, 50), "and is transparent where the canvas grew");
        assertEquals(new Rect(64, 0, 200, 100), d.frame(), "the frame moved with its pixels");
        Seen after = Seen.of(d);
        d.undo();
        before.assertSeenIn(d, "undo");
        d.redo();
        after.assertSeenIn(d, "redo brings the layer back as it was");
        assertEquals(0, d.layers().get(1).generation());
    }

    @Test
    void documentsOfAnySizeUpToTheLimit() {
        CanvasDocument d = doc(64, 64);
        d.newDocument(1600, 1200);
        assertEquals(1600, d.width());
        assertTrue(d.sizeChosen());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.newDocument(9000, 100));
        assertEquals("a canvas of 9000x100 is not possible: each side must be 1 to 8192 pixels", e.getMessage());
        assertEquals(1600, d.width(), "a refused size changes nothing");
        d.undo();
        assertEquals(64, d.width(), "the previous document is one undo step back");
    }

    @Test
    void copiesAreIndependentOfTheDocument() {
        CanvasDocument d = doc(64, 64);
        stroke(d, 5, 5, 40, 40);
        DocumentCopy c = d.copyLayers();
        d.clearPaint();
        assertFalse(c.layers().get(0).pixels().isBlank());
        assertNotSame(c.mask(), d.maskLayer().pixels());
    }

    @Test
    void strokesAcrossTileBordersBuildNoOverlapAndUndoExactly() {
        CanvasDocument d = doc(300, 300);
        d.fill(0, 0, 0x336699, 0);
        d.addLayer();
        d.fill(0, 0, 0x808080, 0);
        d.setOpacity(d.activeLayer(), 1);
        int[] before = d.activeLayer().pixels().pixels().clone();
        BrushSettings soft = new BrushSettings(30, 0.3, 0.5, 0xffcc00);
        // Back and forth over the 64 px tile borders: where the stroke crosses itself it does not build up.
        d.beginStroke(Tool.BRUSH, soft, 20, 60);
        d.strokeTo(280, 70);
        d.endStroke();
        int[] once = d.activeLayer().pixels().pixels().clone();
        d.undo();
        d.beginStroke(Tool.BRUSH, soft, 20, 60);
        d.strokeTo(280, 70);
        d.strokeTo(20, 60);
        d.strokeTo(280, 70);
        d.endStroke();
        assertArrayEquals(once, d.activeLayer().pixels().pixels(), "retracing a stroke changes nothing");
        d.undo();
        assertArrayEquals(before, d.activeLayer().pixels().pixels(), "undo restores every pixel, in every tile");
        d.redo();
        assertArrayEquals(once, d.activeLayer().pixels().pixels());
    }
}
