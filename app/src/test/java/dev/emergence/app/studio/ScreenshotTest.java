package dev.emergence.app.studio;

import javafx.embed.swing.SwingFXUtils;
import javafx.scene.image.WritableImage;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The README's screenshot: the main window after a generation. Always written to
 * target/studio.png; with -Dstudio.screenshot.update=true also to docs/studio.png.
 */
class ScreenshotTest extends StudioTest {
    @Test
    void mainWindowAfterAGeneration() throws Exception {
        waitForModel();
        clickOn("#prompt").write("a lighthouse on a cliff at dusk, warm light, painterly");
        clickOn("#negative").write("blurry, text");
        typeInto("#steps", "24");
        pressGenerate();
        waitUntil("a result", () -> studio.gallery().size() == 1);
        waitForIdle();
        type(KeyCode.ESCAPE);
        Thread.sleep(300);
        WritableImage shot = onFx(() -> stage.getScene().snapshot(null));
        Path target = Path.of("target", "studio.png");
        Files.createDirectories(target.getParent());
        ImageIO.write(SwingFXUtils.fromFXImage(shot, null), "png", target.toFile());
        assertEquals(stage.getScene().getWidth(), shot.getWidth(), 1);
        if (Boolean.getBoolean("studio.screenshot.update")) {
            Path docs = Path.of("..", "docs", "studio.png");
            Files.createDirectories(docs.getParent());
            Files.copy(target, docs, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
