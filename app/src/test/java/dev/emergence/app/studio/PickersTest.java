package dev.emergence.app.studio;

import dev.emergence.app.params.SizePresets;
import dev.emergence.engine.pipeline.PreviewKind;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The prompt panel's pickers offer only what the model can do. */
class PickersTest extends StudioTest {
    @Test
    void thePreviewPickerOffersTheTinyDecoderOnlyForAModelThatHasOne() {
        waitForModel();
        assertEquals(PreviewKind.TINY_DECODER, onFx(() -> studio.generation().previewKindProperty().get()));
        assertTrue(previewChoices().contains(PreviewKind.TINY_DECODER));

        // The inpainting test model ships no tiny decoder.
        fx(() -> studio.loadModel(TINY_SD_INPAINT));
        waitUntil("the inpainting model", () -> studio.generation().modelProperty().get() != null
                && studio.generation().modelProperty().get().folder().equals(TINY_SD_INPAINT));
        assertFalse(onFx(() -> studio.generation().modelProperty().get().hasPreviewDecoder()));
        assertEquals(List.of(PreviewKind.LATENT_RGB, PreviewKind.FULL_VAE), previewChoices());
        assertEquals(PreviewKind.LATENT_RGB, onFx(() -> studio.generation().previewKindProperty().get()),
                "the tiny decoder it lacks becomes the fast preview, not a silent full VAE");
        assertEquals(PreviewKind.LATENT_RGB, onFx(() -> (PreviewKind) lookup("#preview-kind").queryAs(ComboBox.class).getValue()));

        fx(() -> studio.loadModel(TINY_SD));
        waitUntil("the txt2img model again", () -> studio.generation().modelProperty().get().folder().equals(TINY_SD));
        assertTrue(previewChoices().contains(PreviewKind.TINY_DECODER));
    }

    @Test
    void aCustomSizeIsCheckedInlineAndResizesTheCanvas() {
        waitForModel();
        int multiple = onFx(() -> studio.generation().modelProperty().get().sizeMultiple());
        fx(() -> sizePicker().setValue(SizePresets.Preset.CUSTOM));
        waitUntil("the custom fields", () -> lookup("#custom-width").query().isVisible());

        // The fields are filled directly: where the pointer lands depends on the window's restored size
        // and scroll position, which is not what this test is about. Enter runs the inline check.
        enter("#custom-width", String.valueOf(multiple + 1));
        waitUntil("the inline error", () -> !onFx(() -> lookup("#custom-size-error").queryAs(Label.class).getText()).isEmpty());
        String error = onFx(() -> lookup("#custom-size-error").queryAs(Label.class).getText());
        assertTrue(error.startsWith("width: " + (multiple + 1) + " is not a multiple of " + multiple), error);
        assertEquals(64, (int) onFx(() -> studio.canvas().width()), "an invalid size changes nothing");

        enter("#custom-width", String.valueOf(2 * multiple));
        enter("#custom-height", String.valueOf(multiple));
        fx(() -> lookup("#custom-apply").queryAs(javafx.scene.control.Button.class).fire());
        assertEquals(2 * multiple, (int) onFx(() -> studio.canvas().width()));
        assertEquals(multiple, (int) onFx(() -> studio.canvas().height()));
        assertEquals("", onFx(() -> lookup("#custom-size-error").queryAs(Label.class).getText()));
    }

    /** Types {@code text} into a text field and presses Enter on it, as the keyboard would. */
    private void enter(String query, String text) {
        fx(() -> {
            javafx.scene.control.TextField field = lookup(query).queryAs(javafx.scene.control.TextField.class);
            field.setText(text);
            field.fireEvent(new javafx.event.ActionEvent());
        });
    }

    @SuppressWarnings("unchecked")
    private ComboBox<SizePresets.Preset> sizePicker() {
        return lookup("#size").queryAs(ComboBox.class);
    }

    @SuppressWarnings("unchecked")
    private List<PreviewKind> previewChoices() {
        return onFx(() -> List.copyOf(((ComboBox<PreviewKind>) lookup("#preview-kind").queryAs(ComboBox.class)).getItems()));
    }
}
