package dev.emergence.app.studio;

import dev.emergence.app.canvas.LayerId;
import dev.emergence.app.fx.FxImages;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ToCanvasTest extends StudioTest {
    @Test
    void toCanvasSendsTheScrubbedStepAndIsUndoable() {
        waitForModel();
        clickOn("#prompt").write("a lake");
        typeInto("#steps", "4");
        pressGenerate();
        waitUntil("the result", () -> studio.gallery().size() == 1);
        waitForIdle();

        // The artist's own picture on the canvas.
        fx(() -> studio.tools().sizeProperty().set(10));
        type(KeyCode.B);
        strokeOnCanvas(5, 5, 50, 40);
        int[] artists = onFx(() -> studio.canvas().layer(LayerId.PAINT).pixels().clone());

        // Scrub back to step 1: that picture, not the finished result, is what is shown.
        fx(() -> studio.scrubber().slider().setValue(1));
        waitUntil("step 1 on screen", () -> studio.scrubber().scrubbedPicture().isPresent());
        BufferedImage step1 = onFx(() -> FxImages.fromFx(studio.scrubber().scrubbedPicture().get()));
        int[] result = onFx(() -> pixels(studio.generation().lastResultProperty().get().result().image()));
        assertFalse(java.util.Arrays.equals(pixels(step1), result), "step 1 differs from the result");

        int layers = onFx(() -> studio.canvas().layers().size());
        clickOn("#result-to-canvas");
        assertEquals(layers + 1, (int) onFx(() -> studio.canvas().layers().size()), "the picture lands as a new layer");
        assertEquals(step1.getWidth(), (int) onFx(() -> studio.canvas().width()));
        assertArrayEquals(pixels(step1), onFx(() -> studio.canvas().layer(LayerId.PAINT).pixels()), "the scrubbed step fills the frame");
        String notice = onFx(() -> studio.statusBar().noticeText());
        assertTrue(notice.startsWith("step 1 is a new layer in the frame"), notice);

        // Ctrl+Z brings back the artist's picture; the status bar's Undo does the same.
        push(KeyCode.CONTROL, KeyCode.Z);
        assertArrayEquals(artists, onFx(() -> studio.canvas().layer(LayerId.PAINT).pixels()), "undo removes the layer: the artist's is active again");
        assertEquals(layers, (int) onFx(() -> studio.canvas().layers().size()));
        clickOn("#result-to-canvas");
        assertArrayEquals(pixels(step1), onFx(() -> studio.canvas().layer(LayerId.PAINT).pixels()));
        clickOn("#status-notice-action");
        assertArrayEquals(artists, onFx(() -> studio.canvas().layer(LayerId.PAINT).pixels()), "Undo in the status bar");

        // Following again, the result on display is what goes to the canvas.
        clickOn("#live");
        clickOn("#result-to-canvas");
        assertArrayEquals(result, onFx(() -> studio.canvas().layer(LayerId.PAINT).pixels()));
    }

    private static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }
}
