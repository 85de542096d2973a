package dev.emergence.app.studio;

import dev.emergence.app.StudioConfig;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.image.WritableImage;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The README's screenshot: the main window at 1280×800 after an image-to-image generation from a
 * sketch. Uses the embedded default model when the checkout has it, else the tiny test model.
 * Always written to target/studio.png; with -Dstudio.screenshot.update=true also to docs/studio.png.
 */
class ScreenshotTest extends StudioTest {
    @Override
    Optional<Path> defaultModel() {
        return StudioConfig.embeddedModel().map(Path::toAbsolutePath).or(() -> Optional.of(TINY_SD));
    }

    @Test
    void mainWindowAfterAGeneration() throws Exception {
        screenshotWindow();
        waitForModel();
        int size = onFx(() -> studio.canvas().width());
        double k = size / 64.0;
        // A quick sketch: sky, sea, a sun and a boat.
        fx(() -> {
            studio.tools().colorProperty().set(0x2850dc);
            studio.canvas().fill(1, 1, 0x2850dc, 0);
            studio.tools().sizeProperty().set(14 * k);
            studio.tools().hardnessProperty().set(0.6);
            studio.tools().colorProperty().set(0xffd21e);
        });
        type(KeyCode.B);
        // A rough sketch in the default model's world: a yellow blob top right, a red one bottom left.
        strokeOnCanvas(46 * k, 16 * k, 47 * k, 17 * k);
        fx(() -> {
            studio.tools().sizeProperty().set(10 * k);
            studio.tools().colorProperty().set(0xdc2828);
        });
        strokeOnCanvas(14 * k, 46 * k, 17 * k, 47 * k);
        clickOn("#prompt").write("two shapes: a large yellow circle at the top right and a red square at the bottom left on a blue background");
        typeInto("#steps", "24");
        typeInto("#strength", "0.6");
        pressGenerate();
        waitUntil("a result", 120, () -> studio.gallery().size() == 1);
        waitForIdle();
        clickOn("#view-both");
        fx(() -> studio.scrubber().slider().setValue(8));
        Thread.sleep(500);
        moveTo("#status-bar");
        WritableImage shot = onFx(() -> stage.getScene().snapshot(null));
        Path target = Path.of("target", "studio.png");
        Files.createDirectories(target.getParent());
        ImageIO.write(SwingFXUtils.fromFXImage(shot, null), "png", target.toFile());
        assertEquals(1280, shot.getWidth(), 1);
        if (Boolean.getBoolean("studio.screenshot.update")) {
            Path docs = Path.of("..", "docs", "studio.png");
            Files.createDirectories(docs.getParent());
            Files.copy(target, docs, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
