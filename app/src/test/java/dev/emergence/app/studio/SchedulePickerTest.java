package dev.emergence.app.studio;

import dev.emergence.engine.image.PngMetadata;
import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.scheduler.ScheduleType;
import dev.emergence.engine.scheduler.SchedulerKind;
import javafx.scene.control.ComboBox;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schedule-type picker with the sampler picker (right under it): it offers what the sampler takes, its choice
 * goes into the picture (as AUTOMATIC1111 writes it: "Sampler: DPM++ 2M, Schedule type: Karras")
 * and comes back from the PNG, the history and the saved session.
 */
class SchedulePickerTest extends StudioTest {

    @Test
    void thePickerOffersWhatTheSamplerTakes() {
        waitForModel();
        pickSampler("Euler a");
        assertEquals(List.of(ScheduleType.AUTOMATIC, ScheduleType.UNIFORM, ScheduleType.SGM_UNIFORM), choices());
        pickSchedule("SGM Uniform");
        assertEquals(ScheduleType.SGM_UNIFORM, onFx(() -> studio.parameters().scheduleProperty().get()));

        pickSampler("DPM++ 2M");
        assertEquals(List.of(ScheduleType.values()), choices());
        assertEquals(ScheduleType.SGM_UNIFORM, onFx(() -> studio.parameters().scheduleProperty().get()), "DPM++ 2M takes it too");

        pickSampler("DDIM");
        assertEquals(List.of(ScheduleType.AUTOMATIC), choices());
        assertTrue(onFx(() -> schedulePicker().isDisabled()), "DDIM takes no schedule type");
        assertEquals(ScheduleType.AUTOMATIC, onFx(() -> studio.parameters().scheduleProperty().get()));
        assertFalse(onFx(() -> samplerPicker().getItems().contains(SchedulerKind.DPMPP_2M_KARRAS)),
                "DPM++ 2M Karras is DPM++ 2M with the Karras schedule type, not a sampler of its own");
    }

    @Test
    void theChoiceGoesIntoThePictureAndComesBackFromItTheHistoryAndTheSession() throws Exception {
        waitForModel();
        typeInto("#steps", "3");
        pickSampler("DPM++ 2M");
        pickSchedule("Karras");
        pressGenerate();
        waitUntil("a result", () -> studio.gallery().size() == 1);
        waitForIdle();
        Path file = onFx(() -> studio.gallery().get(0).file());
        String parameters = PngMetadata.read(file).get(GenerationPng.PARAMETERS_KEY);
        assertTrue(parameters.contains("Sampler: DPM++ 2M, Schedule type: Karras, "), parameters);

        // Another choice, then the history restores the picture's.
        pickSchedule("Exponential");
        fx(() -> studio.galleryView().list().getSelectionModel().select(0));
        clickOn("#gallery-restore");
        waitUntil("the restored schedule", () -> studio.parameters().scheduleProperty().get() == ScheduleType.KARRAS);
        assertEquals("Karras", onFx(() -> schedulePicker().getButtonCell().getText()), "the picker shows it");

        // Opening the PNG restores it too.
        pickSampler("Euler a");
        assertEquals(ScheduleType.AUTOMATIC, onFx(() -> studio.parameters().scheduleProperty().get()));
        dialogs.openAnswers.add(file);
        push(KeyCode.CONTROL, KeyCode.O);
        waitUntil("the PNG's schedule", () -> studio.parameters().scheduleProperty().get() == ScheduleType.KARRAS
                && studio.parameters().schedulerProperty().get() == SchedulerKind.DPMPP_2M);

        // The session keeps it over a restart.
        pickSchedule("Exponential");
        closeStudio();
        openStudioOn(home);
        waitForModel();
        assertEquals(SchedulerKind.DPMPP_2M, onFx(() -> studio.parameters().schedulerProperty().get()));
        assertEquals(ScheduleType.EXPONENTIAL, onFx(() -> studio.parameters().scheduleProperty().get()));
    }

    /**
     * Another tool's picture: its sampler and schedule type are read as AUTOMATIC1111 reads them,
     * and the status bar names what the studio cannot apply.
     */
    @Test
    void openingAnotherToolsPictureNamesWhatIsIgnored() throws Exception {
        waitForModel();
        Path png = home.resolve("from-a1111.png");
        PngMetadata.write(png, new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB), Map.of(GenerationPng.PARAMETERS_KEY,
                "a fox <lora:foxes:0.7>\nSteps: 12, Sampler: Euler a, Schedule type: SGM Uniform, CFG scale: 6, Seed: 77,"
                        + " Size: 64x64, Model hash: 6ce0161689, Clip skip: 2, Version: v1.10.1"));
        dialogs.openAnswers.add(png);
        clickOn("#open");
        waitUntil("the restored parameters", () -> studio.parameters().seedProperty().get() == 77);
        assertEquals(SchedulerKind.EULER_ANCESTRAL, onFx(() -> studio.parameters().schedulerProperty().get()));
        assertEquals(ScheduleType.SGM_UNIFORM, onFx(() -> studio.parameters().scheduleProperty().get()));
        assertEquals("a fox <lora:foxes:0.7>", onFx(() -> studio.parameters().promptProperty().get()),
                "a LoRA tag stays in the prompt: the engine applies it (the LoRA panel says the file is missing)");
        waitUntil("the missing LoRA's row", () -> lookup(".lora-check").queryAll().stream().anyMatch(n -> "foxes".equals(n.getUserData())));
        String notice = onFx(() -> studio.statusBar().noticeText());
        // The loaded SD 1.x model cannot honour Clip skip: it is named as ignored (and kept in the panel).
        assertTrue(notice.contains("from-a1111.png: ignored what the engine cannot apply: Model hash, Clip skip"), notice);
        assertFalse(notice.contains("\n"), notice);
        assertTrue(Files.isRegularFile(png));
    }

    private void pickSampler(String name) {
        pick("#scheduler", name);
        waitUntil("the sampler " + name, () -> studio.parameters().schedulerProperty().get().a1111Name().equals(name));
    }

    private void pickSchedule(String label) {
        pick("#schedule", label);
        waitUntil("the schedule type " + label, () -> studio.parameters().scheduleProperty().get().label().equals(label));
    }

    /** Opens the picker with a click and clicks the entry in its list, as the artist does. */
    private void pick(String picker, String text) {
        clickOn(picker);
        waitUntil("the list of " + picker, () -> ((ComboBox<?>) lookup(picker).query()).isShowing());
        javafx.scene.Node cell = lookup(n -> n instanceof javafx.scene.control.ListCell<?> c && text.equals(c.getText())
                && n.getScene() != stage.getScene() && n.isVisible()).query();
        clickOn(cell);
    }

    @SuppressWarnings("unchecked")
    private ComboBox<ScheduleType> schedulePicker() {
        return lookup("#schedule").queryAs(ComboBox.class);
    }

    @SuppressWarnings("unchecked")
    private ComboBox<SchedulerKind> samplerPicker() {
        return lookup("#scheduler").queryAs(ComboBox.class);
    }

    private List<ScheduleType> choices() {
        return onFx(() -> List.copyOf(schedulePicker().getItems()));
    }
}
