package dev.emergence.app.studio;

import dev.emergence.app.canvas.CanvasSnapshot;
import dev.emergence.app.generation.Finished;
import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.pipeline.GenerationRequest;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageToImageAndInpaintTest extends StudioTest {
    @Test
    void sketchAndRunImageToImage() throws Exception {
        waitForModel();
        clickOn("#prompt").write("a red sun over hills");
        typeInto("#steps", "8");
        clickOn("#seed-lock");
        assertTrue(onFx(() -> studio.parameters().seedLockedProperty().get()));
        // First the same seed from the empty canvas, for comparison.
        pressGenerate();
        waitUntil("the txt2img result", () -> studio.gallery().size() == 1);
        waitForIdle();
        BufferedImage txt2img = onFx(() -> studio.generation().lastResultProperty().get().result().image());

        fx(() -> {
            studio.tools().sizeProperty().set(14);
            studio.tools().colorProperty().set(0xd03020);
        });
        type(KeyCode.B);
        strokeOnCanvas(10, 12, 30, 8, 50, 14);
        strokeOnCanvas(4, 50, 32, 40, 60, 52);
        assertEquals("IMAGE → IMAGE", lookup("#mode").queryLabeled().getText());
        typeInto("#strength", "0.6");
        CanvasSnapshot canvas = onFx(() -> studio.canvas().snapshot());
        pressGenerate();
        waitUntil("the img2img result", () -> studio.gallery().size() == 2);
        waitForIdle();

        Finished f = onFx(() -> studio.generation().lastResultProperty().get());
        assertEquals(GenerationMode.IMG2IMG, f.result().mode());
        GenerationRequest saved = GenerationPng.readRequest(f.file());
        assertEquals(0.6, saved.strength(), 1e-9);
        assertEquals(onFx(() -> studio.gallery().get(1).request().seed()), saved.seed(), "the locked seed was kept");
        // The sketch went in: the same seed and prompt from the sketch give another picture than from nothing.
        assertFalse(samePixels(txt2img, f.result().image()), "img2img result equals the txt2img one");
        assertFalse(canvas.paint().isBlank());
    }

    @Test
    void paintAMaskAndInpaintWithTheInpaintingModel() throws Exception {
        waitForModel();
        // Import the 9-channel model into the library and use it.
        importThroughModelsView(TINY_SD_INPAINT, "inpaint", false);
        useThroughModelsView("inpaint");
        clickOn("#models-close");
        assertTrue(onFx(() -> studio.generation().modelProperty().get().inpaintingModel()));
        assertTrue(lookup("#status-model").queryLabeled().getText().contains("inpainting"));

        fx(() -> studio.tools().sizeProperty().set(64));
        fx(() -> studio.tools().colorProperty().set(0x2050c0));
        type(KeyCode.B);
        strokeOnCanvas(0, 32, 64, 32);
        fx(() -> studio.tools().sizeProperty().set(20));
        type(KeyCode.M);
        strokeOnCanvas(20, 20, 44, 44);
        assertEquals("INPAINTING", lookup("#mode").queryLabeled().getText());
        CanvasSnapshot canvas = onFx(() -> studio.canvas().snapshot());
        clickOn("#prompt").write("a yellow flower");
        typeInto("#steps", "6");
        pressGenerate();
        waitUntil("the inpainting result", () -> studio.gallery().size() == 1);
        waitForIdle();

        Finished f = onFx(() -> studio.generation().lastResultProperty().get());
        assertEquals(GenerationMode.INPAINT, f.result().mode());
        // The engine keeps the original outside the mask: far from the masked stroke the result is
        // the canvas as painted (blue band) and as left (white paper).
        BufferedImage init = canvas.initImage(), out = f.result().image();
        int[][] outside = {{2, 2}, {61, 3}, {3, 60}, {60, 60}, {2, 32}};
        for (int[] p : outside) {
            assertEquals(0, canvas.mask().get(p[0], p[1]) >>> 24, "test point inside the mask");
            assertClose(init.getRGB(p[0], p[1]), out.getRGB(p[0], p[1]), p);
        }
        // Inside the mask the model painted something new.
        assertTrue(differs(init.getRGB(32, 32), out.getRGB(32, 32)) || differs(init.getRGB(30, 34), out.getRGB(30, 34)));
    }

    @Test
    void anOrdinaryModelInpaintsByBlending() throws Exception {
        waitForModel();
        assertFalse(onFx(() -> studio.generation().modelProperty().get().inpaintingModel()));
        fx(() -> studio.canvas().fill(1, 1, 0x40a040, 0));
        fx(() -> studio.tools().sizeProperty().set(24));
        type(KeyCode.M);
        strokeOnCanvas(32, 20, 32, 44);
        CanvasSnapshot canvas = onFx(() -> studio.canvas().snapshot());
        typeInto("#steps", "5");
        pressGenerate();
        waitUntil("the result", () -> studio.gallery().size() == 1);
        waitForIdle();
        Finished f = onFx(() -> studio.generation().lastResultProperty().get());
        assertEquals(GenerationMode.INPAINT, f.result().mode());
        // Outside the (feathered) mask the picture is the canvas: the engine composites the original back.
        for (int[] p : new int[][] {{2, 2}, {61, 61}, {2, 60}, {60, 3}}) {
            assertClose(canvas.initImage().getRGB(p[0], p[1]), f.result().image().getRGB(p[0], p[1]), p);
        }
    }

    private static void assertClose(int expected, int actual, int[] where) {
        for (int shift = 0; shift <= 16; shift += 8) {
            int e = (expected >> shift) & 0xff, a = (actual >> shift) & 0xff;
            assertTrue(Math.abs(e - a) <= 2, String.format("pixel %d,%d: expected %06x, got %06x", where[0], where[1],
                    expected & 0xffffff, actual & 0xffffff));
        }
    }

    private static boolean differs(int a, int b) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs(((a >> shift) & 0xff) - ((b >> shift) & 0xff)) > 8) return true;
        }
        return false;
    }

    static boolean samePixels(BufferedImage a, BufferedImage b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) return false;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                if (a.getRGB(x, y) != b.getRGB(x, y)) return false;
            }
        }
        return true;
    }
}
