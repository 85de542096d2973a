package dev.emergence.app;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

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
    void linuxAndMacUseTheEnvironmentsHome() {
        Map<String, String> props = Map.of("os.name", "Linux", "user.home", "/home/ada");
        assertEquals(Path.of("/checkout-b/.local/share/emergence-studio"),
                StudioPaths.from(props::get, Map.of("HOME", "/checkout-b")).home());
        assertEquals(Path.of("/home/ada/.local/share/emergence-studio"), StudioPaths.from(props::get, Map.of()).home());
        assertEquals(Path.of("/home/ada/.local/share/emergence-studio"),
                StudioPaths.from(props::get, Map.of("HOME", "not/absolute")).home());
        assertEquals(Path.of("/xdg/emergence-studio"),
                StudioPaths.from(props::get, Map.of("HOME", "/checkout-b", "XDG_DATA_HOME", "/xdg")).home());
        assertEquals(Path.of("/checkout-b/.local/share/emergence-studio"),
                StudioPaths.from(props::get, Map.of("HOME", "/checkout-b", "XDG_DATA_HOME", "relative")).home(),
                "a relative XDG_DATA_HOME is invalid (XDG spec) and ignored");
        Map<String, String> mac = Map.of("os.name", "Mac OS X", "user.home", "/Users/ada");
        assertEquals(Path.of("/Users/b/Library/Application Support/Emergence Studio"),
                StudioPaths.from(mac::get, Map.of("HOME", "/Users/b")).home());
        Map<String, String> props2 = Map.of("os.name", "Linux", "user.home", "/home/ada", StudioPaths.HOME_PROPERTY, "/portable");
        assertEquals(Path.of("/portable"), StudioPaths.from(props2::get, Map.of("HOME", "/checkout-b")).home());
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
