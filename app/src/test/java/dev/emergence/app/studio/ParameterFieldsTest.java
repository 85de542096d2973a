package dev.emergence.app.studio;

import dev.emergence.app.generation.GenerationState;
import javafx.scene.control.Label;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParameterFieldsTest extends StudioTest {
    @Test
    void invalidNumbersAreRefusedInlineWithTheirReason() {
        waitForModel();
        typeInto("#steps", "200");
        assertEquals(20, onFx(() -> studio.parameters().stepsProperty().get()), "the parameter keeps its last valid value");
        assertTrue(lookup("#steps").query().getStyleClass().contains("invalid"));
        assertTrue(lookup(".field-error").queryAllAs(Label.class).stream()
                .anyMatch(l -> l.isVisible() && l.getText().equals("steps: 200 is out of range; expected a whole number from 1 to 150")));
        // Generating with the field still wrong is refused with the same reason, and nothing runs.
        pressGenerate();
        assertEquals(GenerationState.READY, onFx(() -> studio.generation().state()));
        assertEquals("steps: 200 is out of range; expected a whole number from 1 to 150",
                onFx(() -> studio.notifier().lastMessageProperty().get()));
        // Escape puts back the valid value.
        type(KeyCode.ESCAPE);
        assertEquals("20", lookup("#steps").queryTextInputControl().getText());
        assertFalse(lookup("#steps").query().getStyleClass().contains("invalid"));

        typeInto("#cfg", "7.25");
        assertEquals(7.5, onFx(() -> studio.parameters().cfgProperty().get()), 1e-9);
        typeInto("#cfg", "8.5");
        assertEquals(8.5, onFx(() -> studio.parameters().cfgProperty().get()), 1e-9);
        assertEquals(8.5, onFx(() -> lookup("#cfg-slider").queryAs(javafx.scene.control.Slider.class).getValue()), 1e-9,
                "the slider follows the number");
    }

    @Test
    void theDiceRollsAndTheLockKeepsTheSeed() {
        waitForModel();
        typeInto("#seed", "42");
        clickOn("#dice");
        long rolled = onFx(() -> studio.parameters().seedProperty().get());
        assertTrue(rolled != 42, "the dice gave " + rolled);
        assertEquals(String.valueOf(rolled), lookup("#seed").queryTextInputControl().getText());
        typeInto("#seed", "42");
        clickOn("#seed-lock");
        typeInto("#steps", "2");
        pressGenerate();
        waitUntil("a result", () -> studio.gallery().size() == 1);
        assertEquals(42L, onFx(() -> studio.gallery().get(0).request().seed()));
        assertEquals(42L, onFx(() -> studio.parameters().seedProperty().get()));
    }
}
