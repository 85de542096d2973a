package dev.emergence.app;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Where the studio keeps the artist's things: results, the autosaved session, settings. The
 * platform's per-user data folder by default; the {@value #HOME_PROPERTY} system property moves
 * everything elsewhere (tests, portable installs).
 */
public record StudioPaths(Path home) {
    public static final String HOME_PROPERTY = "emergence.studio.home";

    public static StudioPaths fromSystem() {
        String configured = System.getProperty(HOME_PROPERTY);
        if (configured != null && !configured.isBlank()) return new StudioPaths(Path.of(configured).toAbsolutePath());
        return new StudioPaths(platformDefault(System.getProperty("os.name", ""), System.getenv("APPDATA"),
                System.getenv("XDG_DATA_HOME"), Path.of(System.getProperty("user.home"))));
    }

    /** Windows: %APPDATA%; macOS: ~/Library/Application Support; else $XDG_DATA_HOME or ~/.local/share. */
    static Path platformDefault(String osName, String appData, String xdgDataHome, Path userHome) {
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            Path base = appData != null && !appData.isBlank() ? Path.of(appData) : userHome.resolve("AppData").resolve("Roaming");
            return base.resolve("Emergence Studio");
        }
        if (os.startsWith("mac")) {
            return userHome.resolve("Library").resolve("Application Support").resolve("Emergence Studio");
        }
        Path base = xdgDataHome != null && !xdgDataHome.isBlank() ? Path.of(xdgDataHome) : userHome.resolve(".local").resolve("share");
        return base.resolve("emergence-studio");
    }

    /** Every result, as PNG with its parameters. */
    public Path outputs() { return home.resolve("outputs"); }

    /** Pictures deleted from the history, until the artist empties it. */
    public Path trash() { return home.resolve("trash"); }

    /** The autosaved session: parameters, canvas layers, window. */
    public Path session() { return home.resolve("session"); }
}
