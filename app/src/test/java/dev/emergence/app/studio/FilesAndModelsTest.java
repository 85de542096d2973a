package dev.emergence.app.studio;

import dev.emergence.app.generation.GenerationState;
import dev.emergence.app.library.ModelChoice;
import dev.emergence.engine.library.ModelLibrary;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.scheduler.SchedulerKind;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FilesAndModelsTest extends StudioTest {
    @Test
    void saveAPngAndReopenItToRestoreTheParameters() throws Exception {
        waitForModel();
        clickOn("#prompt").write("a blue boat");
        clickOn("#negative").write("fog");
        typeInto("#cfg", "5.5");
        typeInto("#steps", "7");
        fx(() -> studio.parameters().schedulerProperty().set(SchedulerKind.DPMPP_2M));
        pressGenerate();
        waitUntil("a result", () -> studio.gallery().size() == 1);
        waitForIdle();
        long seed = onFx(() -> studio.parameters().seedProperty().get());

        Path saved = home.resolve("my boat.png");
        dialogs.saveAnswers.add(saved);
        push(KeyCode.CONTROL, KeyCode.S);
        waitUntil("the saved file", () -> Files.isRegularFile(saved));
        GenerationRequest inFile = GenerationPng.readRequest(saved);
        assertEquals("a blue boat", inFile.prompt());
        assertEquals(seed, inFile.seed());

        // Change everything, then open the PNG: its parameters come back.
        typeInto("#cfg", "12");
        typeInto("#steps", "30");
        clickOn("#prompt").push(KeyCode.CONTROL, KeyCode.A).write("something else");
        clickOn("#dice");
        dialogs.openAnswers.add(saved);
        var layers = onFx(() -> studio.canvas().layers());
        int revision = onFx(() -> studio.canvas().revisionProperty().get());
        push(KeyCode.CONTROL, KeyCode.O);
        waitUntil("restored parameters", () -> studio.parameters().promptProperty().get().equals("a blue boat"));
        assertEquals("fog", onFx(() -> studio.parameters().negativePromptProperty().get()));
        assertEquals(5.5, onFx(() -> studio.parameters().cfgProperty().get()), 1e-9);
        assertEquals(7, onFx(() -> studio.parameters().stepsProperty().get()));
        assertEquals(seed, onFx(() -> studio.parameters().seedProperty().get()));
        assertTrue(onFx(() -> studio.parameters().seedLockedProperty().get()), "restoring locks the seed to reproduce the picture");
        assertEquals(SchedulerKind.DPMPP_2M, onFx(() -> studio.parameters().schedulerProperty().get()));
        assertEquals("5.5", lookup("#cfg").queryTextInputControl().getText(), "the fields show the restored values");
        assertEquals(layers, onFx(() -> studio.canvas().layers()), "a PNG with parameters restores them; it does not replace the document");
        assertEquals(revision, (int) onFx(() -> studio.canvas().revisionProperty().get()), "nor change it");
    }

    @Test
    void aBrokenModelFolderShowsTheEnginesReasonAndTheStudioStaysUsable() throws Exception {
        waitForModel();
        // A copy of the tiny model whose UNet file is cut short.
        Path broken = home.resolve("broken-model");
        copyTree(TINY_SD, broken);
        Path unet = broken.resolve("unet").resolve("model.onnx");
        byte[] bytes = Files.readAllBytes(unet);
        Files.write(unet, java.util.Arrays.copyOf(bytes, bytes.length / 3));
        // What the engine itself says about this folder when it is imported.
        String reason = assertThrows(ModelException.class, () -> new ModelLibrary(home.resolve("scratch"), java.util.Optional::empty,
                f -> Long.MAX_VALUE).importFolder(broken, "broken", false)).getMessage();

        openModelsView();
        dialogs.folderAnswers.add(broken);
        clickOn("#models-import");
        waitUntil("the suggested name", () -> lookup("#import-name").queryTextInputControl().getText().equals("broken-model"));
        clickOn("#import-name");
        push(KeyCode.CONTROL, KeyCode.A);
        write("broken");
        clickOn("#import-confirm");
        waitUntil("the error", () -> lookup("#models-message").queryLabeled().getText().equals(reason));
        assertFalse(reason.contains("\n"), reason);
        assertTrue(onFx(() -> lookup("#import-pane").query().isVisible()), "the import stays open to try again");
        assertEquals(List.of("default"), onFx(() -> studio.library().entries().stream().map(e -> e.name()).toList()), "nothing added");
        clickOn("#models-close");
        assertEquals(GenerationState.READY, onFx(() -> studio.generation().state()), "the model in use stays loaded");
        assertEquals(TINY_SD, onFx(() -> studio.generation().modelProperty().get().folder()));
        assertEquals(TINY_SD, onFx(() -> studio.window().lookup("#model-picker") instanceof javafx.scene.control.ComboBox<?> c
                ? ((ModelChoice) c.getValue()).folder() : null), "the picker shows the model in use");

        // Still usable.
        typeInto("#steps", "3");
        pressGenerate();
        waitUntil("a result", () -> studio.gallery().size() == 1);
    }

    @Test
    void aFileThatIsNotAPictureIsRefusedWithItsReason() throws Exception {
        waitForModel();
        Path notAPicture = home.resolve("notes.png");
        Files.writeString(notAPicture, "these are not pixels");
        dialogs.openAnswers.add(notAPicture);
        clickOn("#open");
        waitUntil("the error", () -> studio.notifier().lastMessageProperty().get().startsWith("cannot open notes.png"));
        assertTrue(onFx(() -> studio.canvas().layer(dev.emergence.app.canvas.LayerId.PAINT).isBlank()));
    }

    @Test
    void aPlainPictureGoesOntoTheCanvas() throws Exception {
        waitForModel();
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(100, 50, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        g.setColor(java.awt.Color.ORANGE);
        g.fillRect(0, 0, 100, 50);
        g.dispose();
        Path file = home.resolve("orange.png");
        javax.imageio.ImageIO.write(img, "png", file.toFile());
        dialogs.openAnswers.add(file);
        clickOn("#open");
        waitUntil("the picture on the canvas", () -> !studio.canvas().layer(dev.emergence.app.canvas.LayerId.PAINT).isBlank());
        // The document takes the picture's own size, whatever the model's; the frame covers it.
        assertEquals(List.of(100, 50), onFx(() -> List.of(studio.canvas().width(), studio.canvas().height())));
        assertEquals(new dev.emergence.app.canvas.Rect(0, 0, 100, 50), onFx(() -> studio.canvas().frame()));
        assertEquals(0xffffc800, onFx(() -> studio.canvas().layer(dev.emergence.app.canvas.LayerId.PAINT).get(60, 30)));
        assertEquals("IMAGE → IMAGE", lookup("#mode").queryLabeled().getText());
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }

    static final class NoModel extends StudioTest {
        @Override
        java.util.Optional<Path> defaultModel() {
            return java.util.Optional.empty();
        }

        @Test
        void withoutAModelTheStudioAsksForOneAndLoadsTheFirstImported() {
            waitUntil("the hint", () -> studio.notifier().messages().stream().anyMatch(m -> m.startsWith("no model: import one")));
            assertEquals(GenerationState.NO_MODEL, onFx(() -> studio.generation().state()));
            assertTrue(lookup("#generate").query().isDisabled());
            assertEquals("no model: import one", lookup("#status-model").queryLabeled().getText());
            importThroughModelsView(TINY_SD, "tiny", true);
            waitForModel();
            assertEquals(home.resolve("models").resolve("tiny").toAbsolutePath().normalize(),
                    onFx(() -> studio.generation().modelProperty().get().folder()));
            assertFalse(lookup("#generate").query().isDisabled());
        }
    }
}
