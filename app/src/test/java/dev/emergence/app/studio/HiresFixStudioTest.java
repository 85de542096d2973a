package dev.emergence.app.studio;

import dev.emergence.app.canvas.DocLayer;
import dev.emergence.app.project.GenerationRecord;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hires fix in the studio, on the tiny 64 px model: the picture comes out at twice the model's size and lands in the frame. */
class HiresFixStudioTest extends StudioTest {
    @Test
    void aHiresPictureIsTwiceTheModelsSizeAndLandsInTheFrame() {
        waitForModel();
        fx(() -> studio.newDocument(256, 256));
        clickOn("#prompt").write("a cat");
        typeInto("#steps", "2");
        clickShown("#hires-fix");
        assertTrue(onFx(() -> studio.frames().hiresProperty().get()));
        pressGenerate();
        waitUntil("the hires result", 60, () -> studio.frames().history().size() == 1);
        waitForIdle();
        var result = onFx(() -> studio.generation().lastResultProperty().get().result());
        assertEquals(128, result.image().getWidth(), "2× the 64 px model size");
        assertTrue(result.notices().stream().anyMatch(n -> n.startsWith("hires fix: 64x64 upscaled 2x (Lanczos) to 128x128")), result.notices().toString());
        GenerationRecord g = onFx(() -> studio.frames().history().get(0));
        assertEquals(64, g.request().width(), "the request is the base run's");
        DocLayer l = onFx(() -> studio.canvas().activeLayer());
        assertEquals(255, l.pixels().get(255, 255) >>> 24, "the picture fills the 256 px frame");

        // The frame's settings are part of the session.
        clickShown("#match-colours");
        closeStudio();
        openStudioOn(home);
        waitForModel();
        assertTrue(onFx(() -> studio.frames().hiresProperty().get()), "the hires fix is still on after a restart");
        assertTrue(onFx(() -> !studio.frames().options().matchColours()));
        assertTrue(onFx(() -> ((javafx.scene.control.CheckBox) lookup("#hires-fix").query()).isSelected()));
    }
}
