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
 * {@code ~} is {@code $HOME} on Linux and macOS when it is set and absolute (see {@link #userHome}).
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
        String os = System.getProperty("os.name", "");
        return dataFolder(os, userHome(os, System.getProperty("user.home", "."), System.getenv()), System.getenv());
    }

    /**
     * The user's home folder: on Linux, macOS and other Unixes {@code $HOME} when it is set and
     * absolute, else Java's {@code user.home}. Java takes {@code user.home} from the password file,
     * not from {@code $HOME}, so without this two checkouts or accounts run with different
     * {@code HOME}s would share one data folder. On Windows, {@code user.home}.
     */
    public static String userHome(String osName, String userHomeProperty, Map<String, String> env) {
        if (osName.toLowerCase(Locale.ROOT).startsWith("windows")) return userHomeProperty;
        String home = env.get("HOME");
        return home != null && !home.isBlank() && Path.of(home).isAbsolute() ? home : userHomeProperty;
    }

    /** The models folder inside the data folder. */
    public static Path modelsFolder() {
        return dataFolder().resolve("models");
    }

    /** The data folder for a given system, home and environment (separated out so every system can be tested). */
    static Path dataFolder(String osName, String home, Map<String, String> env) {
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) return windowsLocal(home, env).resolve("Emergence Studio");
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return Path.of(home, "Library", "Application Support", "Emergence Studio");
        }
        return xdgBase("XDG_DATA_HOME", home, env, ".local", "share").resolve("emergence-studio");
    }

    /** Windows' per-user local folder: {@code %LOCALAPPDATA%}, else {@code home\AppData\Local}. */
    public static Path windowsLocal(String home, Map<String, String> env) {
        String local = env.get("LOCALAPPDATA");
        return local != null && !local.isBlank() ? Path.of(local) : Path.of(home, "AppData", "Local");
    }

    /**
     * An XDG base folder: the variable when it is set and absolute (the XDG Base Directory
     * specification ignores a relative one), else {@code home} with {@code fallback} below it.
     */
    public static Path xdgBase(String variable, String home, Map<String, String> env, String... fallback) {
        String xdg = env.get(variable);
        return xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg) : Path.of(home, fallback);
    }
}
