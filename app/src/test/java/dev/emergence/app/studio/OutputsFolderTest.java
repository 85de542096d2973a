package dev.emergence.app.studio;

import javafx.scene.input.Clipboard;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Outputs button on a system without a file manager. */
class OutputsFolderTest extends StudioTest {
    @Override
    boolean openUri(String uri) {
        openedUris.add(uri);
        return false; // as java.awt.Desktop says on a bare window manager, or headless
    }

    @Test
    void withoutAFileManagerTheStatusBarShowsTheFolder() {
        waitForModel();
        clickOn("#output-folder");
        String expected = "Outputs are in " + home.resolve("outputs") + " (path copied to the clipboard)";
        waitUntil("the path in the status bar", () -> studio.statusBar().noticeText().equals(expected));
        assertEquals(home.resolve("outputs").toString(), onFx(() -> Clipboard.getSystemClipboard().getString()));
    }
}
