package dev.emergence.app.studio;

import dev.emergence.app.canvas.LayerId;
import dev.emergence.app.canvas.Tool;
import dev.emergence.engine.pipeline.GenerationMode;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionRestoreTest extends StudioTest {
    @Test
    void theNextStartRestoresTheSession() {
        waitForModel();
        clickOn("#prompt").write("an owl in the snow");
        typeInto("#cfg", "9");
        typeInto("#seed", "1234");
        clickOn("#seed-lock");
        fx(() -> studio.tools().sizeProperty().set(8));
        type(KeyCode.B);
        strokeOnCanvas(8, 8, 40, 30);
        type(KeyCode.M);
        strokeOnCanvas(30, 40, 50, 50);
        int[] paint = onFx(() -> studio.canvas().layer(LayerId.PAINT).pixels().clone());
        int[] mask = onFx(() -> studio.canvas().layer(LayerId.MASK).pixels().clone());
        fx(() -> {
            stage.setX(40);
            stage.setY(30);
            stage.setWidth(1100);
            stage.setHeight(700);
        });
        // The canvas is autosaved shortly after each change, without closing.
        waitUntil("the autosaved canvas", () -> Files.isRegularFile(home.resolve("session").resolve("mask.png")));

        closeStudio();
        openStudioOn(home);
        waitForModel();
        assertEquals("an owl in the snow", onFx(() -> studio.parameters().promptProperty().get()));
        assertEquals(9.0, onFx(() -> studio.parameters().cfgProperty().get()), 1e-9);
        assertEquals(1234L, onFx(() -> studio.parameters().seedProperty().get()));
        assertTrue(onFx(() -> studio.parameters().seedLockedProperty().get()));
        assertEquals(Tool.MASK_BRUSH, onFx(() -> studio.tools().toolProperty().get()));
        assertArrayEquals(paint, onFx(() -> studio.canvas().layer(LayerId.PAINT).pixels()), "the paint layer, pixel for pixel");
        assertArrayEquals(mask, onFx(() -> studio.canvas().layer(LayerId.MASK).pixels()), "the mask, pixel for pixel");
        assertEquals(GenerationMode.INPAINT, onFx(() -> studio.canvas().mode()));
        assertEquals(1100, onFx(() -> stage.getWidth()), 1);
        assertEquals(700, onFx(() -> stage.getHeight()), 1);
        assertEquals(40, onFx(() -> stage.getX()), 1);
    }

    @Test
    void aDamagedSessionFileStartsAFreshSession() throws Exception {
        waitForModel();
        clickOn("#prompt").write("kept?");
        closeStudio();
        Files.writeString(home.resolve("session").resolve("session.json"), "{ this is not json");
        openStudioOn(home);
        waitForModel();
        assertEquals("", onFx(() -> studio.parameters().promptProperty().get()));
    }
}
