package dev.emergence.app.studio;

import dev.emergence.engine.image.PngMetadata;
import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.pipeline.GenerationRequest;
import javafx.scene.control.Spinner;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A new document from the dialog, and the flattened picture exported with the parameters of the generation it shows. */
class ExportAndNewDocumentTest extends StudioTest {
    @Test
    void aNewDocumentThenTheExportedPictureCarriesItsGenerationsParameters() throws Exception {
        waitForModel();
        clickOn("#new-document");
        waitUntil("the dialog", () -> lookup("#new-width").tryQuery().isPresent());
        Spinner<?> w = lookup("#new-width").queryAs(Spinner.class), h = lookup("#new-height").queryAs(Spinner.class);
        fx(() -> {
            w.getEditor().setText("320");
            w.commitValue();
            h.getEditor().setText("192");
            h.commitValue();
        });
        clickOn("OK");
        waitUntil("the new document", () -> studio.canvas().width() == 320);
        assertEquals(192, (int) onFx(() -> studio.canvas().height()));

        clickOn("#prompt").write("a blue circle");
        typeInto("#steps", "2");
        pressGenerate();
        waitUntil("the result as a layer", 60, () -> studio.frames().history().size() == 1);
        waitForIdle();
        GenerationRequest made = onFx(() -> studio.frames().history().get(0).request());

        Path target = home.resolve("export.png");
        dialogs.saveAnswers.add(target);
        clickOn("#export");
        waitUntil("the exported picture", () -> Files.isRegularFile(target));
        Thread.sleep(200);
        BufferedImage img = ImageIO.read(target.toFile());
        assertEquals(320, img.getWidth(), "the document's size, flattened");
        assertEquals(192, img.getHeight());
        assertEquals(made, GenerationPng.readRequest(target), "our request, as the generation ran it");
        String infotext = PngMetadata.read(target).get(GenerationPng.PARAMETERS_KEY);
        assertTrue(infotext.startsWith("a blue circle\n") && infotext.contains("Seed: " + made.seed()), infotext);

        // With the generated layer hidden, the picture shows no generation: a plain PNG.
        fx(() -> studio.canvas().setVisible(studio.canvas().activeLayer(), false));
        Path plain = home.resolve("plain.png");
        dialogs.saveAnswers.add(plain);
        clickOn("#export");
        waitUntil("the plain export", () -> Files.isRegularFile(plain));
        Thread.sleep(200);
        assertTrue(!PngMetadata.read(plain).containsKey(GenerationPng.PARAMETERS_KEY));
        push(KeyCode.ESCAPE);
    }
}
