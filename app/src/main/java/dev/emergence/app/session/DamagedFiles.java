package dev.emergence.app.session;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Moves a damaged session file aside as {@code <name>.damaged-<yyyyMMdd-HHmmss>} (with a number
 * added when that name is taken), in the same folder, so the artist's bytes survive the fresh
 * session written over the old name.
 */
final class DamagedFiles {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);

    private final Clock clock;

    DamagedFiles(Clock clock) {
        this.clock = clock;
    }

    /** Renames {@code file} aside and returns its new path; on failure it stays where it was. */
    Path keepAside(Path file) throws IOException {
        String base = file.getFileName() + ".damaged-" + STAMP.format(LocalDateTime.now(clock));
        Path target = file.resolveSibling(base);
        for (int n = 2; Files.exists(target); n++) target = file.resolveSibling(base + "-" + n);
        try {
            return Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            // Same folder, so a plain rename; some file systems only refuse the atomic flag.
            return Files.move(file, target);
        }
    }
}
