package dev.emergence.app.studio;

import dev.emergence.app.canvas.LayerId;
import javafx.scene.input.ClipboardContent;
import javafx.scene.input.KeyCode;
import javafx.scene.image.WritableImage;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PasteTest extends StudioTest {
    @Test
    void ctrlVPastesAnImageOntoTheCanvas() {
        waitForModel();
        fx(() -> {
            WritableImage img = new WritableImage(64, 64);
            for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) img.getPixelWriter().setArgb(x, y, x < 32 ? 0xffff0000 : 0xff0000ff);
            ClipboardContent c = new ClipboardContent();
            c.putImage(img);
            javafx.scene.input.Clipboard.getSystemClipboard().setContent(c);
        });
        clickOn("#preview");
        push(KeyCode.CONTROL, KeyCode.V);
        waitUntil("the pasted picture", () -> !studio.canvas().layer(LayerId.PAINT).isBlank());
        assertEquals(0xffff0000, (int) onFx(() -> studio.canvas().layer(LayerId.PAINT).get(10, 10)));
        assertEquals(0xff0000ff, (int) onFx(() -> studio.canvas().layer(LayerId.PAINT).get(50, 10)));
    }
}
