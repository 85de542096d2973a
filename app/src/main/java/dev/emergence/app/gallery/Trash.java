package dev.emergence.app.gallery;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The studio's own trash folder: a deleted picture is moved here, whole, so that Undo can put it
 * back. (The desktop's trash is not used: a program cannot portably take a file back out of it.)
 * Safe to call from a background thread.
 */
public final class Trash {
    /** A picture in the trash and where it came from. */
    public record Trashed(Path original, Path inTrash) {
    }

    private final Path folder;

    public Trash(Path folder) {
        this.folder = folder;
    }

    public Path folder() { return folder; }

    /** Moves {@code file} into the trash (a number is added when the name is taken there). */
    public Trashed moveToTrash(Path file) throws IOException {
        Files.createDirectories(folder);
        Path target = free(folder.resolve(file.getFileName().toString()));
        move(file, target);
        return new Trashed(file, target);
    }

    /** Puts a trashed picture back where it was (beside it, numbered, if that name has been taken since). */
    public Path restore(Trashed t) throws IOException {
        Files.createDirectories(t.original().getParent());
        Path target = free(t.original());
        move(t.inTrash(), target);
        return target;
    }

    private static Path free(Path wanted) {
        if (!Files.exists(wanted)) return wanted;
        String name = wanted.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name, ext = dot > 0 ? name.substring(dot) : "";
        Path p = wanted;
        for (int n = 2; Files.exists(p); n++) p = wanted.resolveSibling(base + "_" + n + ext);
        return p;
    }

    /** Atomic where the file system can (one rename: the picture is never half in each place). */
    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }
}
