package dev.emergence.engine.library;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How many bytes may still be written on the file system holding a folder. Injectable so tests can
 * stand in for a full disk without filling one.
 */
@FunctionalInterface
public interface FreeSpace {
    long usableBytes(Path folder) throws IOException;

    /** The real file system's usable space (what this user may still write, quotas included). */
    static FreeSpace system() {
        return folder -> Files.getFileStore(folder).getUsableSpace();
    }

    /**
     * Fails with a one-line message naming how much is needed and how much is free when {@code needed}
     * bytes do not fit in {@code folder}.
     */
    default void require(Path folder, long needed, String what) throws LibraryException {
        long free;
        try {
            free = usableBytes(folder);
        } catch (IOException e) {
            throw new LibraryException("cannot tell the free disk space in " + folder + ": " + e.getMessage(), e);
        }
        if (needed > free) {
            throw new LibraryException("not enough free disk space in " + folder + ": " + what + " needs "
                    + Bytes.human(needed) + ", " + Bytes.human(free) + " is free");
        }
    }
}
