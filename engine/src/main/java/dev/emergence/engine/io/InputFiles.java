package dev.emergence.engine.io;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Checks a file a user named before it is opened: only a regular file is read. A FIFO or a device
 * would block the read forever or never end, so they are refused by name instead of hanging.
 */
public final class InputFiles {
    private InputFiles() {
    }

    /**
     * Why {@code path} cannot be read as a file ("no such file", "is a folder", ...), or empty when
     * it is a readable regular file (symbolic links are followed).
     */
    public static Optional<String> problem(Path path) {
        if (!Files.exists(path)) return Optional.of("no such file");
        if (Files.isDirectory(path)) return Optional.of("is a folder, not a file");
        if (!Files.isRegularFile(path)) return Optional.of("is not a regular file (a FIFO, device or socket)");
        if (!Files.isReadable(path)) return Optional.of("cannot be read (permission denied)");
        return Optional.empty();
    }
}
