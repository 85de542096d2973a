package dev.emergence.app.studio;

import dev.emergence.app.generation.Finished;
import dev.emergence.app.params.SizePresets;
import dev.emergence.engine.image.PngMetadata;
import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.scheduler.SchedulerKind;
import javafx.scene.control.ComboBox;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Models of other families in the studio: picking one brings its family's steps, guidance and
 * scheduler, and it generates end to end (the engine's tiny SDXL and LCM test models).
 */
class ModelFamiliesTest extends StudioTest {
    static final Path TINY_SDXL = Path.of("..", "engine", "testmodels", "tiny-sdxl").toAbsolutePath().normalize();
    static final Path TINY_LCM = Path.of("..", "engine", "testmodels", "tiny-lcm").toAbsolutePath().normalize();

    @Test
    void anLcmModelBringsFourStepsGuidanceAndItsSchedulerAndGenerates() throws Exception {
        waitForModel();
        load(TINY_LCM);
        waitUntil("LCM's settings", () -> studio.parameters().stepsProperty().get() == 4);
        assertEquals(8.5, onFx(() -> studio.parameters().cfgProperty().get()));
        assertEquals(SchedulerKind.LCM, onFx(() -> studio.parameters().schedulerProperty().get()));

        clickOn("#prompt").write("a portrait");
        pressGenerate();
        waitUntil("an LCM picture in the history", () -> studio.gallery().size() == 1);
        waitForIdle();
        Finished f = onFx(() -> studio.generation().lastResultProperty().get());
        GenerationRequest saved = GenerationPng.readRequest(f.file());
        assertEquals(4, saved.steps());
        assertEquals(SchedulerKind.LCM, saved.scheduler());
        assertEquals(GenerationMode.TXT2IMG, f.result().mode());

        // Back to an SD 1.x model: its own settings return.
        load(TINY_SD);
        waitUntil("SD's settings", () -> studio.parameters().stepsProperty().get() == 20);
        assertEquals(7.5, onFx(() -> studio.parameters().cfgProperty().get()));
    }

    @Test
    void anSdxlModelGeneratesAndInpaintsWithItsFamilysSettings() throws Exception {
        waitForModel();
        load(TINY_SDXL);
        waitUntil("SDXL's settings", () -> studio.parameters().stepsProperty().get() == 25);
        assertEquals(5.0, onFx(() -> studio.parameters().cfgProperty().get()));
        @SuppressWarnings("unchecked")
        List<SizePresets.Preset> sizes = onFx(() -> List.copyOf(lookup("#size").queryAs(ComboBox.class).getItems()));
        assertTrue(sizes.stream().anyMatch(p -> p.width() == 64 && p.height() == 64), "the native size is offered: " + sizes);

        typeInto("#steps", "3");
        clickOn("#prompt").write("a cat");
        pressGenerate();
        waitUntil("an SDXL picture", () -> studio.gallery().size() == 1);
        waitForIdle();

        // Paint a mask and repaint part of it: inpainting by blending with an SDXL UNet.
        fx(() -> studio.tools().sizeProperty().set(24));
        type(KeyCode.B);
        strokeOnCanvas(0, 32, 64, 32);
        fx(() -> studio.tools().sizeProperty().set(16));
        type(KeyCode.M);
        strokeOnCanvas(20, 20, 44, 44);
        assertEquals("INPAINTING", lookup("#mode").queryLabeled().getText());
        pressGenerate();
        waitUntil("the inpainted picture", () -> studio.gallery().size() == 2);
        waitForIdle();
        Finished f = onFx(() -> studio.generation().lastResultProperty().get());
        assertEquals(GenerationMode.INPAINT, f.result().mode(), "with a mask painted the run is inpainting");
    }

    /**
     * Clip skip: a note names it ignored on an SD 1.x model (its text encoder gives only its last
     * layer); on SDXL it is applied, written into the picture as AUTOMATIC1111 writes it, and
     * restored from it without being named as ignored.
     */
    @Test
    void clipSkipIsAppliedOnSdxlAndNamedIgnoredWhereTheModelCannotHonourIt() throws Exception {
        waitForModel();
        assertFalse(lookup("#clip-skip-note").query().isVisible(), "no note at Clip skip 1");
        typeInto("#clip-skip", "2");
        waitUntil("the ignored note", () -> lookup("#clip-skip-note").query().isVisible());
        assertTrue(onFx(() -> lookup("#clip-skip-note").queryLabeled().getText()).contains("ignores Clip skip"));

        load(TINY_SDXL);
        waitUntil("no note on SDXL", () -> !lookup("#clip-skip-note").query().isVisible());
        assertEquals(2, onFx(() -> studio.parameters().clipSkipProperty().get()), "picking a model keeps the Clip skip");
        typeInto("#steps", "2");
        clickOn("#prompt").write("a cat");
        pressGenerate();
        waitUntil("an SDXL picture", () -> studio.gallery().size() == 1);
        waitForIdle();
        Finished f = onFx(() -> studio.generation().lastResultProperty().get());
        assertEquals(2, GenerationPng.readRequest(f.file()).clipSkip());
        String infotext = PngMetadata.read(f.file()).get(GenerationPng.PARAMETERS_KEY);
        assertTrue(infotext.contains(", Clip skip: 2"), infotext);
        assertTrue(f.result().notices().stream().noneMatch(n -> n.toLowerCase(java.util.Locale.ROOT).contains("clip skip")),
                "applied, not ignored: " + f.result().notices());

        // Set back to 1, the picture opened: its Clip skip returns, and nothing is named as ignored.
        typeInto("#clip-skip", "1");
        fx(() -> studio.openFile(f.file()));
        waitUntil("the picture's Clip skip", () -> studio.parameters().clipSkipProperty().get() == 2);
        String notice = onFx(() -> studio.statusBar().noticeText());
        assertFalse(notice.contains("Clip skip"), notice);
    }

    /** ONNX Runtime's CPU provider has few fp16 kernels: loading an fp16 model on a CPU says it is meant for a GPU. */
    @Test
    void anFp16ModelOnTheCpuIsSaidToBeMeantForAGpu() throws Exception {
        waitForModel();
        assertTrue(onFx(() -> studio.notifier().messages().stream().noneMatch(m -> m.contains("meant for a GPU"))));
        load(TINY_SD.resolveSibling("tiny-sd-fp16"));
        waitUntil("the precision notice", () -> studio.notifier().messages().stream().anyMatch(m -> m.contains("tiny-sd-fp16 runs on the CPU; fp16: meant for a GPU; on a CPU an fp32 export of the same model is faster")));
    }

    private void load(Path folder) {
        fx(() -> studio.loadModel(folder));
        waitUntil(folder.getFileName() + " loaded", () -> studio.generation().modelProperty().get() != null
                && studio.generation().modelProperty().get().folder().equals(folder));
    }
}
