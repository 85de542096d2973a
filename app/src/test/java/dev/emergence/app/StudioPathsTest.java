package dev.emergence.app;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StudioPathsTest {
    private static final Path HOME = Path.of("/home/ada");

    @Test
    void platformDataFolders() {
        assertEquals(Path.of("/home/ada/.local/share/emergence-studio"), StudioPaths.platformDefault("Linux", null, null, HOME));
        assertEquals(Path.of("/xdg/data/emergence-studio"), StudioPaths.platformDefault("Linux", null, "/xdg/data", HOME));
        assertEquals(Path.of("/home/ada/Library/Application Support/Emergence Studio"),
                StudioPaths.platformDefault("Mac OS X", null, null, HOME));
        assertEquals(Path.of("/appdata/Emergence Studio"), StudioPaths.platformDefault("Windows 11", "/appdata", null, HOME));
    }

    @Test
    void theSystemPropertyMovesEverything() {
        String old = System.getProperty(StudioPaths.HOME_PROPERTY);
        try {
            System.setProperty(StudioPaths.HOME_PROPERTY, "/tmp/studio-x");
            StudioPaths p = StudioPaths.fromSystem();
            assertEquals(Path.of("/tmp/studio-x/outputs"), p.outputs());
            assertEquals(Path.of("/tmp/studio-x/session"), p.session());
        } finally {
            if (old == null) System.clearProperty(StudioPaths.HOME_PROPERTY);
            else System.setProperty(StudioPaths.HOME_PROPERTY, old);
        }
    }
}
