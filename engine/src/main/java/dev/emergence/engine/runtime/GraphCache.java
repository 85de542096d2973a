package dev.emergence.engine.runtime;

import dev.emergence.engine.library.DataFolders;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Where ONNX Runtime's optimised graphs are kept between runs, so that a second start skips the
 * graph optimisation; {@link #off()} keeps none. The folder is the user's cache, never a model folder:
 * <ul>
 *   <li>Linux and other Unixes: {@code $XDG_CACHE_HOME/emergence-studio/ort-optimized}, else
 *       {@code ~/.cache/emergence-studio/ort-optimized};</li>
 *   <li>macOS: {@code ~/Library/Caches/Emergence Studio/ort-optimized};</li>
 *   <li>Windows: {@code %LOCALAPPDATA%\Emergence Studio\Cache\ort-optimized}.</li>
 * </ul>
 * The system property {@value #PROPERTY} names another folder (tests, portable installs).
 *
 * <p>The folder is kept bounded: after a load, off the load path, entries not used for
 * {@link #MAX_UNUSED} are removed, and then the least recently used ones while the entries together take
 * more than {@link #MAX_BYTES} (an entry used within the last hour stays, as another load may be reading it).
 *
 * @param folder the cache folder, or null when no graphs are cached
 */
public record GraphCache(Path folder) {
    /** Overrides the cache folder. */
    public static final String PROPERTY = "emergence.graphCacheDir";
    private static final String SUBFOLDER = "ort-optimized";
    /** Entries not used for this long are removed (those of deleted or replaced models among them). */
    public static final java.time.Duration MAX_UNUSED = java.time.Duration.ofDays(30);
    /** The most the entries may take together: about nine SD 1.5 models or three SDXL ones. */
    public static final long MAX_BYTES = 40L << 30;

    public GraphCache {
        if (folder != null) folder = folder.toAbsolutePath().normalize();
    }

    public static GraphCache off() {
        return new GraphCache(null);
    }

    public static GraphCache in(Path folder) {
        return new GraphCache(java.util.Objects.requireNonNull(folder, "folder"));
    }

    /** The user's cache folder for this system, or {@value #PROPERTY} when set. */
    public static GraphCache userDefault() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) return new GraphCache(Path.of(configured));
        String os = System.getProperty("os.name", "");
        return new GraphCache(folderFor(os, DataFolders.userHome(os, System.getProperty("user.home", "."), System.getenv()),
                System.getenv()));
    }

    public boolean enabled() {
        return folder != null;
    }

    /** The cache folder for a given system, home and environment. */
    static Path folderFor(String osName, String home, Map<String, String> env) {
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) return DataFolders.windowsLocal(home, env).resolve("Emergence Studio").resolve("Cache").resolve(SUBFOLDER);
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return Path.of(home, "Library", "Caches", "Emergence Studio", SUBFOLDER);
        }
        return DataFolders.xdgBase("XDG_CACHE_HOME", home, env, ".cache").resolve("emergence-studio").resolve(SUBFOLDER);
    }
}
