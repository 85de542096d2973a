package dev.emergence.app.studio;

import javafx.embed.swing.SwingFXUtils;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.image.WritableImage;
import javafx.scene.paint.Color;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The window itself: its first frame and its smallest size. */
class WindowTest extends StudioTest {
    @Test
    void theFirstFrameIsDark() {
        // The scene's fill is what shows before the first layout and CSS pass: the theme's colour, not white.
        Color fill = (Color) onFx(() -> stage.getScene().getFill());
        assertTrue(fill.getBrightness() < 0.15, "scene fill " + fill);
    }

    @Test
    void atItsMinimumSizeNothingIsClipped() throws Exception {
        waitForModel();
        fx(() -> {
            stage.setWidth(stage.getMinWidth());
            stage.setHeight(stage.getMinHeight());
        });
        waitUntil("the minimum size", () -> stage.getScene().getWidth() <= stage.getMinWidth() + 1);
        org.testfx.util.WaitForAsyncUtils.waitForFxEvents();
        double w = onFx(() -> stage.getScene().getWidth()), h = onFx(() -> stage.getScene().getHeight());
        for (String id : new String[] {"#gallery", "#gallery-delete", "#prompt-panel", "#generate", "#cancel", "#preview", "#status-bar",
                "#live", "#view-both", "#output-folder", "#header-models"}) {
            Bounds b = onFx(() -> {
                Node n = lookup(id).query();
                return n.localToScene(n.getBoundsInLocal());
            });
            assertTrue(b.getMinX() >= -0.5 && b.getMaxX() <= w + 0.5 && b.getMinY() >= -0.5 && b.getMaxY() <= h + 0.5,
                    id + " at " + b + " lies outside the " + w + "×" + h + " window");
        }
        String out = System.getProperty("studio.window.shot");
        if (out != null) {
            WritableImage shot = onFx(() -> stage.getScene().snapshot(null));
            ImageIO.write(SwingFXUtils.fromFXImage(shot, null), "png", Path.of(out).toFile());
        }
    }
}
