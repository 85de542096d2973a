package dev.emergence.app.studio;

import dev.emergence.app.StudioConfig;
import dev.emergence.app.control.ControlLayer;
import dev.emergence.app.control.ControlSource;
import dev.emergence.app.generation.Finished;
import dev.emergence.engine.control.PreprocessorKind;
import dev.emergence.engine.eval.HeldOutScenes;
import dev.emergence.engine.eval.SceneScorer;
import dev.emergence.engine.pipeline.GenerationMode;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded model's scribble ControlNet as an artist meets it: listed with nothing to install (it
 * ships in the model's own controlnets folder), a card on the paint layer, a rough blob scribbled in the
 * top left corner and a caption that names no place; the picture draws the object there, judged by the
 * evaluation's own rules (SceneScorer). Writes target/controlnet-embedded.png (the README's, with
 * -Dstudio.screenshot.update=true). Skipped, with the reason,
 * where the embedded model ships no scribble ControlNet (the recipe's --controlnet stage makes it).
 */
class EmbeddedControlNetStudioTest extends StudioTest {
    @Override
    Optional<Path> defaultModel() {
        return StudioConfig.embeddedModel().map(Path::toAbsolutePath);
    }

    @Test
    void aScribbleInTheCornerPutsTheObjectThere() throws Exception {
        Assumptions.assumeTrue(defaultModel().isPresent()
                && Files.isRegularFile(defaultModel().get().resolve("controlnets").resolve("scribble").resolve("model.onnx")),
                "this checkout has no embedded model with its scribble ControlNet");
        screenshotWindow();
        waitForModel();
        clickShown("#control-refresh");
        waitUntil("the embedded ControlNet listed", () -> studio.library().controlNets().stream().anyMatch(n -> n.name().equals("scribble")));
        clickShown("#control-add");
        waitUntil("a card", () -> studio.controls().layers().size() == 1);
        ControlLayer layer = onFx(() -> studio.controls().layers().get(0));
        assertEquals("scribble", onFx(() -> layer.modelProperty().get().name()));
        assertEquals(ControlSource.PAINT, onFx(() -> layer.sourceProperty().get()));
        assertEquals(PreprocessorKind.SCRIBBLE, onFx(() -> layer.preprocessorProperty().get()));

        int size = onFx(() -> studio.canvas().width());
        double k = size / 128.0;
        fx(() -> {
            studio.tools().sizeProperty().set(12 * k);
            studio.tools().hardnessProperty().set(1.0);
            studio.tools().colorProperty().set(0xffffff);
        });
        type(KeyCode.B);
        // A round blob around the top left cell's centre (21, 21 of 128), as quickly as an artist would.
        strokeOnCanvas(15 * k, 15 * k, 27 * k, 15 * k, 27 * k, 27 * k, 15 * k, 27 * k, 15 * k, 15 * k, 21 * k, 21 * k);
        assertEquals("TEXT → IMAGE", lookup("#mode").queryLabeled().getText(), "the scribble steers; it does not start the picture");
        fx(() -> {
            studio.parameters().stepsProperty().set(20);
            studio.parameters().seedLockedProperty().set(true);
            studio.parameters().seedProperty().set(3);
            studio.parameters().promptProperty().set("a large yellow circle on a blue background");
        });
        pressGenerate();
        waitUntil("the steered picture", 120, () -> studio.gallery().size() == 1);
        waitForIdle();
        Finished f = onFx(() -> studio.generation().lastResultProperty().get());
        assertEquals(GenerationMode.TXT2IMG, f.result().mode());

        HeldOutScenes doc = HeldOutScenes.load(Path.of("..", "assets", "recipe", "heldout.json"));
        HeldOutScenes.Scene wanted = new HeldOutScenes.Scene("scribbled", "", "blue",
                List.of(new HeldOutScenes.SceneObject("yellow", "circle", "top left", "large")));
        SceneScorer.Score score = new SceneScorer(doc).score(f.result().image(), wanted);
        assertTrue(score.ok(), "a yellow object in the top left corner on blue: " + score);

        fx(() -> ((javafx.scene.control.ScrollPane) lookup(".form-scroll").query()).setVvalue(1));
        Thread.sleep(500);
        moveTo("#status-bar");
        javafx.scene.image.WritableImage shot = onFx(() -> stage.getScene().snapshot(null));
        Path target = Path.of("target", "controlnet-embedded.png");
        Files.createDirectories(target.getParent());
        javax.imageio.ImageIO.write(javafx.embed.swing.SwingFXUtils.fromFXImage(shot, null), "png", target.toFile());
        if (Boolean.getBoolean("studio.screenshot.update")) {
            Files.copy(target, Path.of("..", "docs", "controlnet-embedded.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
