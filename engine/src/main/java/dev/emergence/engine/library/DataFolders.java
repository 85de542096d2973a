package dev.emergence.engine.library;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Where the studio keeps its data for this user, following each system's convention:
 * <ul>
 *   <li>Linux and other Unixes: {@code $XDG_DATA_HOME/emergence-studio}, else {@code ~/.local/share/emergence-studio}
 *       (the XDG Base Directory specification; a relative {@code XDG_DATA_HOME} is invalid there and ignored);</li>
 *   <li>macOS: {@code ~/Library/Application Support/Emergence Studio};</li>
 *   <li>Windows: {@code %LOCALAPPDATA%\Emergence Studio}, else {@code ~\AppData\Local\Emergence Studio}
 *       (models are large and belong to this machine, so the local, not the roaming, profile).</li>
 * </ul>
 * The system property {@value #PROPERTY} overrides all of them (tests, portable installs).
 */
public final class DataFolders {
    /** Overrides the data folder. */
    public static final String PROPERTY = "emergence.dataDir";

    private DataFolders() {
    }

    /** The data folder of this user on this system. */
    public static Path dataFolder() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) return Path.of(configured).toAbsolutePath();
        return dataFolder(System.getProperty("os.name", ""), System.getProperty("user.home", "."), System.getenv());
    }

    /** The models folder inside the data folder. */
    public static Path modelsFolder() {
        return dataFolder().resolve("models");
    }

    /** The data folder for a given system, home and environment (separated out so every system can be tested). */
    static Path dataFolder(String osName, String home, Map<String, String> env) {
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            String local = env.get("LOCALAPPDATA");
            Path base = local != null && !local.isBlank() ? Path.of(local) : Path.of(home, "AppData", "Local");
            return base.resolve("Emergence Studio");
        }
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return Path.of(home, "Library", "Application Support", "Emergence Studio");
        }
        String xdg = env.get("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg) : Path.of(home, ".local", "share");
        return base.resolve("emergence-studio");
    }
}
