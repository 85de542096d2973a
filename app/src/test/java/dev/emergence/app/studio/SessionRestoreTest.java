package dev.emergence.app.studio;

import dev.emergence.app.canvas.LayerId;
import dev.emergence.app.canvas.Tool;
import dev.emergence.engine.pipeline.GenerationMode;
import javafx.scene.input.KeyCode;
import dev.emergence.engine.pipeline.GenerationRequest;
import javafx.scene.control.Label;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionRestoreTest extends StudioTest {
    @Test
    void theNextStartRestoresTheSession() {
        waitForModel();
        clickOn("#prompt").write("an owl in the snow");
        typeInto("#cfg", "9");
        typeInto("#seed", "1234");
        clickOn("#seed-lock");
        fx(() -> studio.tools().sizeProperty().set(8));
        type(KeyCode.B);
        strokeOnCanvas(8, 8, 40, 30);
        type(KeyCode.M);
        strokeOnCanvas(30, 40, 50, 50);
        int[] paint = onFx(() -> studio.canvas().layer(LayerId.PAINT).pixels().clone());
        int[] mask = onFx(() -> studio.canvas().layer(LayerId.MASK).pixels().clone());
        fx(() -> {
            stage.setX(40);
            stage.setY(30);
            stage.setWidth(1100);
            stage.setHeight(700);
        });
        // The canvas is autosaved shortly after each change, without closing.
        waitUntil("the autosaved canvas", () -> Files.isRegularFile(home.resolve("session").resolve("document.emproj")));

        closeStudio();
        openStudioOn(home);
        waitForModel();
        assertEquals("an owl in the snow", onFx(() -> studio.parameters().promptProperty().get()));
        assertEquals(9.0, onFx(() -> studio.parameters().cfgProperty().get()), 1e-9);
        assertEquals(1234L, onFx(() -> studio.parameters().seedProperty().get()));
        assertTrue(onFx(() -> studio.parameters().seedLockedProperty().get()));
        assertEquals(Tool.MASK_BRUSH, onFx(() -> studio.tools().toolProperty().get()));
        assertArrayEquals(paint, onFx(() -> studio.canvas().layer(LayerId.PAINT).pixels()), "the paint layer, pixel for pixel");
        assertArrayEquals(mask, onFx(() -> studio.canvas().layer(LayerId.MASK).pixels()), "the mask, pixel for pixel");
        assertEquals(GenerationMode.INPAINT, onFx(() -> studio.canvas().mode()));
        assertEquals(1100, onFx(() -> stage.getWidth()), 1);
        assertEquals(700, onFx(() -> stage.getHeight()), 1);
        assertEquals(40, onFx(() -> stage.getX()), 1);
    }

    @Test
    void aDamagedSessionIsKeptAsideAndWhatIsReadableIsRestored() throws Exception {
        closeStudio();
        Path folder = Files.createDirectories(damagedHome.resolve("session"));
        // Cut short while being written by some other program, with one value of the wrong type.
        byte[] json = "{\"prompt\": \"an owl at dusk\", \"cfg\": \"lots\", \"steps\": 12, \"seed\": 777, \"negativePrompt\": \"blu"
                .getBytes(StandardCharsets.UTF_8);
        Files.write(folder.resolve("session.json"), json);
        BufferedImage paint = new BufferedImage(64, 64, BufferedImage.TYPE_INT_ARGB);
        for (int y = 10; y < 30; y++) for (int x = 5; x < 40; x++) paint.setRGB(x, y, 0xffd02020);
        ImageIO.write(paint, "png", folder.resolve("paint.png").toFile());
        // A mask of another size than the paint.
        BufferedImage mask = new BufferedImage(32, 32, BufferedImage.TYPE_INT_ARGB);
        mask.setRGB(3, 3, 0xffffffff);
        ImageIO.write(mask, "png", folder.resolve("mask.png").toFile());
        byte[] maskBytes = Files.readAllBytes(folder.resolve("mask.png"));

        openStudioOn(damagedHome);
        waitForModel();

        // The readable parts are back; the unreadable ones keep their defaults.
        assertEquals("an owl at dusk", onFx(() -> studio.parameters().promptProperty().get()));
        assertEquals(12, (int) onFx(() -> studio.parameters().stepsProperty().get()));
        assertEquals(777L, (long) onFx(() -> studio.parameters().seedProperty().get()));
        assertEquals(GenerationRequest.DEFAULT_CFG, onFx(() -> studio.parameters().cfgProperty().get()), 1e-9);
        assertEquals(64, (int) onFx(() -> studio.canvas().width()));
        assertEquals(0xffd02020, (int) onFx(() -> studio.canvas().layer(LayerId.PAINT).get(20, 20)), "the paint is restored");
        assertTrue(onFx(() -> studio.canvas().layer(LayerId.MASK).isBlank()), "the mask of another size is not applied");

        // The damaged files are kept beside the new ones, byte for byte.
        Path keptJson = onlyFile(folder, "session.json.damaged-");
        Path keptMask = onlyFile(folder, "mask.png.damaged-");
        assertArrayEquals(json, Files.readAllBytes(keptJson));
        assertArrayEquals(maskBytes, Files.readAllBytes(keptMask));
        assertTrue(keptJson.getFileName().toString().matches("session\\.json\\.damaged-\\d{8}-\\d{6}"), keptJson.toString());

        // One status-bar line says what was kept and where, and what came back.
        String notice = onFx(() -> lookup("#status-notice").queryAs(Label.class).getText());
        assertTrue(notice.contains(keptJson.getFileName().toString()) && notice.contains(keptMask.getFileName().toString()), notice);
        assertTrue(notice.contains(folder.toString()), notice);
        assertTrue(notice.contains("3 settings") && notice.contains("the paint"), notice);

        // The autosave writes a fresh session; the kept files stay as they were.
        clickOn("#prompt").write(", snow");
        waitUntil("a fresh session.json", () -> Files.isRegularFile(folder.resolve("session.json"))
                && Files.readString(folder.resolve("session.json")).contains("an owl at dusk, snow"));
        assertArrayEquals(json, Files.readAllBytes(keptJson));
    }

    @TempDir
    Path damagedHome;

    private static Path onlyFile(Path folder, String prefix) throws Exception {
        try (var files = Files.list(folder)) {
            List<Path> found = files.filter(f -> f.getFileName().toString().startsWith(prefix)).toList();
            assertEquals(1, found.size(), "files named " + prefix + "…: " + found);
            return found.get(0);
        }
    }
}
