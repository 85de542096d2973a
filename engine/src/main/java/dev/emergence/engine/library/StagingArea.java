package dev.emergence.engine.library;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

/**
 * A folder in the library's staging area, owned by this process while it works there: the owner
 * holds an exclusive lock on the folder's {@value #LOCK} file for as long as the area is open. The
 * system releases the lock when the process ends, however it ends, so a folder whose lock can be
 * taken belongs to nobody any more: what a crashed import or a killed studio left, which
 * {@link #isAbandoned} lets the library find and delete, while a folder another running process is
 * still filling is left alone.
 */
public final class StagingArea implements AutoCloseable {
    /** The lock file inside every staging folder. */
    static final String LOCK = ".lock";
    /**
     * A folder without a lock file is the owner's for this long after it was made: between creating
     * the folder and locking its file, another process must not take it for abandoned.
     */
    private static final Duration UNLOCKED_GRACE = Duration.ofMinutes(10);

    private final Path folder;
    private final FileChannel channel;
    private final FileLock lock;

    private StagingArea(Path folder, FileChannel channel, FileLock lock) {
        this.folder = folder;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates (if needed) and takes {@code folder} for this process.
     *
     * @param what how the error names the work, e.g. "a download of owner/name"
     * @throws LibraryException when another process, or another task of this one, works there now
     */
    static StagingArea claim(Path folder, String what) throws IOException {
        Files.createDirectories(folder);
        Path lockFile = folder.resolve(LOCK);
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // Held by this process already (another library object, another task).
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            ch.close();
            throw new LibraryException(what + " is already running (in this or another window or process); wait for it to finish");
        }
        // The lock file's time says when the folder was last worked in: for the cleaner's age limit.
        Files.setLastModifiedTime(lockFile, FileTime.from(Instant.now()));
        return new StagingArea(folder, ch, lock);
    }

    public Path folder() {
        return folder;
    }

    /** Releases the folder, leaving its content (a download to resume). */
    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) lock.release();
        } finally {
            channel.close();
        }
    }

    /** Deletes the folder and everything in it, then releases it. */
    void closeAndDelete() throws IOException {
        try {
            deleteContent(folder);
        } finally {
            close();
        }
        Files.deleteIfExists(folder.resolve(LOCK));
        Files.deleteIfExists(folder);
    }

    /**
     * Whether {@code folder} is no process's (its lock can be taken, or it has none and is older than a
     * short grace) and has not been worked in for {@code unusedFor}; if so it is deleted, under its lock.
     *
     * @return whether it was deleted
     */
    static boolean deleteIfAbandoned(Path folder, Duration unusedFor) throws IOException {
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) return false;
        Path lockFile = folder.resolve(LOCK);
        Instant now = Instant.now();
        if (!Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)) {
            Instant made = Files.getLastModifiedTime(folder, LinkOption.NOFOLLOW_LINKS).toInstant();
            if (made.isAfter(now.minus(UNLOCKED_GRACE)) || made.isAfter(now.minus(unusedFor))) return false;
            FileTrees.deleteRecursively(folder);
            return true;
        }
        if (!unusedFor.isZero() && Files.getLastModifiedTime(lockFile).toInstant().isAfter(now.minus(unusedFor))) return false;
        StagingArea area;
        try {
            area = claim(folder, folder.getFileName().toString());
        } catch (LibraryException inUse) {
            return false;
        }
        area.closeAndDelete();
        return true;
    }

    /** Deletes everything in {@code folder} but its lock file. */
    static void deleteContent(Path folder) throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(folder)) {
            for (Path child : children) {
                if (!child.getFileName().toString().equals(LOCK)) FileTrees.deleteRecursively(child);
            }
        }
    }

    @Override
    public String toString() {
        return "StagingArea[" + folder + "]";
    }
}
