package dev.emergence.app.ui;

import java.awt.Desktop;
import java.io.File;
import java.net.URI;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Opens a folder in the desktop's file manager. {@link Desktop#open} says when it cannot (no
 * desktop, no file manager); JavaFX's {@code HostServices.showDocument} never does, so it is only
 * the last try, and then the studio shows the folder's path instead of silently doing nothing.
 * May block for a moment: call off the JavaFX thread.
 */
public final class FolderOpener {
    private FolderOpener() {
    }

    /** @param lastTry tried when the desktop cannot open it (HostServices' showDocument) */
    public static Predicate<String> desktop(Consumer<String> lastTry) {
        return uri -> {
            try {
                if (Desktop.isDesktopSupported() && Desktop.getDesktop().isSupported(Desktop.Action.OPEN)) {
                    Desktop.getDesktop().open(new File(URI.create(uri)));
                    return true;
                }
            } catch (Exception | LinkageError e) {
                // No file manager, or AWT unusable here: fall through.
            }
            lastTry.accept(uri);
            return false;
        };
    }
}
