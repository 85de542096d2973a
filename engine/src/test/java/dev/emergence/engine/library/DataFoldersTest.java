package dev.emergence.engine.library;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each system's convention for per-user application data (XDG Base Directory spec, Apple's and Microsoft's guidelines). */
class DataFoldersTest {
    @Test
    void linuxUsesXdgDataHomeWhenAbsoluteElseLocalShare() {
        assertEquals(Path.of("/data/me/emergence-studio"),
                DataFolders.dataFolder("Linux", "/home/me", Map.of("XDG_DATA_HOME", "/data/me")));
        assertEquals(Path.of("/home/me/.local/share/emergence-studio"), DataFolders.dataFolder("Linux", "/home/me", Map.of()));
        // The XDG spec: "If an implementation encounters a relative path in any of these variables it should consider the path invalid and ignore it."
        assertEquals(Path.of("/home/me/.local/share/emergence-studio"),
                DataFolders.dataFolder("Linux", "/home/me", Map.of("XDG_DATA_HOME", "relative/dir")));
        assertEquals(Path.of("/home/me/.local/share/emergence-studio"),
                DataFolders.dataFolder("FreeBSD", "/home/me", Map.of("XDG_DATA_HOME", "")));
    }

    @Test
    void homeIsTheEnvironmentsHomeOnUnixes() {
        // Java's user.home comes from the password file; $HOME is what the user's session says.
        assertEquals("/work/other", DataFolders.userHome("Linux", "/home/me", Map.of("HOME", "/work/other")));
        assertEquals("/Users/x", DataFolders.userHome("Mac OS X", "/Users/me", Map.of("HOME", "/Users/x")));
        assertEquals("/home/me", DataFolders.userHome("Linux", "/home/me", Map.of()));
        assertEquals("/home/me", DataFolders.userHome("Linux", "/home/me", Map.of("HOME", "relative")));
        assertEquals("C:\\Users\\me", DataFolders.userHome("Windows 11", "C:\\Users\\me", Map.of("HOME", "/cygwin/home")));
    }

    @Test
    void macOsUsesApplicationSupport() {
        assertEquals(Path.of("/Users/me/Library/Application Support/Emergence Studio"),
                DataFolders.dataFolder("Mac OS X", "/Users/me", Map.of("XDG_DATA_HOME", "/ignored")));
    }

    @Test
    void windowsUsesLocalAppData() {
        String local = "C:\\Users\\me\\AppData\\Local";
        assertEquals(Path.of(local).resolve("Emergence Studio"),
                DataFolders.dataFolder("Windows 11", "C:\\Users\\me", Map.of("LOCALAPPDATA", local)));
        assertEquals(Path.of("C:\\Users\\me", "AppData", "Local", "Emergence Studio"),
                DataFolders.dataFolder("Windows 10", "C:\\Users\\me", Map.of()));
    }

    @Test
    void systemPropertyOverridesEverything() {
        String old = System.getProperty(DataFolders.PROPERTY);
        try {
            System.setProperty(DataFolders.PROPERTY, "/tmp/some-data");
            assertEquals(Path.of("/tmp/some-data"), DataFolders.dataFolder());
            assertEquals(Path.of("/tmp/some-data/models"), DataFolders.modelsFolder());
        } finally {
            if (old == null) System.clearProperty(DataFolders.PROPERTY);
            else System.setProperty(DataFolders.PROPERTY, old);
        }
    }
}
