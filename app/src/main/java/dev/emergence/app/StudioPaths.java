package dev.emergence.app;

import dev.emergence.engine.library.DataFolders;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Where the studio keeps the artist's things: results, the autosaved session, settings. The
 * platform's per-user data folder by default; the {@value #HOME_PROPERTY} system property moves
 * everything elsewhere (tests, portable installs).
 */
public record StudioPaths(Path home) {
    public static final String HOME_PROPERTY = "emergence.studio.home";

    public static StudioPaths fromSystem() {
        return from(System::getProperty, System.getenv());
    }

    /**
     * The paths for these system properties and this environment: {@value #HOME_PROPERTY} when
     * set, else the platform's data folder under the user's home, which on Linux and macOS is
     * {@code $HOME} when set and absolute (Java's {@code user.home} comes from the password file:
     * two checkouts or accounts with their own {@code HOME} must not share a session by accident).
     */
    static StudioPaths from(Function<String, String> properties, Map<String, String> env) {
        String configured = properties.apply(HOME_PROPERTY);
        if (configured != null && !configured.isBlank()) return new StudioPaths(Path.of(configured).toAbsolutePath());
        String os = Objects.requireNonNullElse(properties.apply("os.name"), "");
        String home = DataFolders.userHome(os, Objects.requireNonNullElse(properties.apply("user.home"), "."), env);
        return new StudioPaths(platformDefault(os, env.get("APPDATA"), env.get("XDG_DATA_HOME"), Path.of(home)));
    }

    /**
     * Windows: %APPDATA%; macOS: ~/Library/Application Support; else $XDG_DATA_HOME (when
     * absolute: the XDG spec calls a relative one invalid) or ~/.local/share.
     */
    static Path platformDefault(String osName, String appData, String xdgDataHome, Path userHome) {
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            Path base = appData != null && !appData.isBlank() ? Path.of(appData) : userHome.resolve("AppData").resolve("Roaming");
            return base.resolve("Emergence Studio");
        }
        if (os.startsWith("mac")) {
            return userHome.resolve("Library").resolve("Application Support").resolve("Emergence Studio");
        }
        Path base = xdgDataHome != null && !xdgDataHome.isBlank() && Path.of(xdgDataHome).isAbsolute()
                ? Path.of(xdgDataHome) : userHome.resolve(".local").resolve("share");
        return base.resolve("emergence-studio");
    }

    /** Every result, as PNG with its parameters. */
    public Path outputs() { return home.resolve("outputs"); }

    /** Pictures deleted from the history, until the artist empties it. */
    public Path trash() { return home.resolve("trash"); }

    /** The autosaved session: parameters, canvas layers, window. */
    public Path session() { return home.resolve("session"); }
}
