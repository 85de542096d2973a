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
        fx(() -> {
            stage.setX(0);
            stage.setY(0);
            stage.setWidth(1280);
            stage.setHeight(800);
        });
        waitForModel();
        int size = onFx(() -> studio.canvas().width());
        double k = size / 64.0;
        // A quick sketch: sky, sea, a sun and a boat.
        fx(() -> {
            studio.tools().colorProperty().set(0x8ec5ff);
            studio.canvas().fill(1, 1, 0x8ec5ff, 0);
            studio.tools().sizeProperty().set(26 * k);
            studio.tools().hardnessProperty().set(0.6);
            studio.tools().colorProperty().set(0x1d4e89);
        });
        type(KeyCode.B);
        strokeOnCanvas(-4 * k, 52 * k, 30 * k, 50 * k, 68 * k, 53 * k);
        fx(() -> {
            studio.tools().sizeProperty().set(14 * k);
            studio.tools().colorProperty().set(0xffc83d);
        });
        strokeOnCanvas(46 * k, 16 * k, 47 * k, 17 * k);
        fx(() -> {
            studio.tools().sizeProperty().set(6 * k);
            studio.tools().colorProperty().set(0x7a3b1e);
        });
        strokeOnCanvas(14 * k, 38 * k, 24 * k, 42 * k, 34 * k, 38 * k);
        clickOn("#prompt").write("a small sailing boat on a calm sea at sunset, warm light, oil painting");
        clickOn("#negative").write("blurry, text, watermark");
        typeInto("#steps", "24");
        typeInto("#strength", "0.45");
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
