package dev.emergence.engine.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Writes files so that a crash, a full disk or a failing writer never leaves a half-written file
 * where an artist's work used to be: the bytes go to a hidden temporary file beside the target
 * (same folder, hence same file system), are forced to disk, and only then renamed over the target.
 * Readers see either the old file or the complete new one.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {
    }

    /** Like {@code Consumer}, but allowed to throw {@link IOException}. */
    @FunctionalInterface
    public interface IOConsumer<T> {
        void accept(T value) throws IOException;
    }

    /**
     * Writes {@code target} with what {@code writer} puts into the stream. On any failure (the writer
     * throws, the disk fills, the rename fails) the temporary file is deleted and an existing target
     * is left exactly as it was. The writer may close the stream; it is flushed and synced either way.
     *
     * <p>The file system's exceptions keep their type but name {@code target}, never the temporary
     * file: that is an implementation detail the user never asked for and cannot find afterwards.
     */
    public static void write(Path target, IOConsumer<OutputStream> writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        if (folder == null) {
            throw new IOException(target + ": cannot write a file at the root of the file system");
        }
        Path temp = folder.resolve(temporaryName(absolute.getFileName().toString()));
        try {
            writeVia(temp, absolute, folder, writer);
        } catch (IOException e) {
            throw naming(e, temp, target);
        }
    }

    private static void writeVia(Path temp, Path absolute, Path folder, IOConsumer<OutputStream> writer) throws IOException {
        boolean done = false;
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                writer.accept(new UnclosableStream(out));
                out.flush();
                // Data must be on disk before the rename makes it visible, or a crash can leave an empty file.
                channel.force(true);
            }
            copyPermissions(absolute, temp);
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            syncFolder(folder);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // The original failure is the one worth reporting.
                }
            }
        }
    }

    /** {@code e} as it would read had {@code target} been written directly: same type, the target's name for the temporary file's. */
    static IOException naming(IOException e, Path temp, Path target) {
        String tempText = temp.toString(), tempName = temp.getFileName().toString();
        if (e instanceof FileSystemException f) {
            boolean file = tempText.equals(f.getFile()), other = tempText.equals(f.getOtherFile());
            if (!file && !other) return e;
            // A failed rename names the temporary file and the target: the target alone says it.
            String main = target.toString();
            String second = file && !target.toAbsolutePath().toString().equals(f.getOtherFile()) ? f.getOtherFile() : null;
            String reason = f.getReason();
            FileSystemException renamed;
            if (e instanceof NoSuchFileException) renamed = new NoSuchFileException(main, second, reason);
            else if (e instanceof AccessDeniedException) renamed = new AccessDeniedException(main, second, reason);
            else if (e instanceof FileAlreadyExistsException) renamed = new FileAlreadyExistsException(main, second, reason);
            else if (e instanceof NotDirectoryException) renamed = new FileSystemException(main, second, "not a folder");
            else if (e instanceof DirectoryNotEmptyException) renamed = new FileSystemException(main, second, "is a folder");
            else renamed = new FileSystemException(main, second, reason);
            renamed.initCause(e);
            return renamed;
        }
        String m = e.getMessage();
        if (m == null || !m.contains(tempName)) return e;
        String fixed = m.replace(tempText, target.toString()).replace(tempName, target.getFileName().toString());
        return new IOException(fixed, e);
    }

    /** Writes {@code text} as UTF-8, atomically (see {@link #write(Path, IOConsumer)}). */
    public static void writeString(Path target, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(target, out -> out.write(bytes));
    }

    /** Writes {@code bytes} atomically (see {@link #write(Path, IOConsumer)}). */
    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** ".name.tmp-<16 hex digits>": hidden in file browsers, unique, and recognisably ours if left by a crash. */
    static String temporaryName(String targetName) {
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        return "." + targetName + ".tmp-" + HexFormat.of().formatHex(random);
    }

    /** Replacing a file should not silently change who may read it. */
    private static void copyPermissions(Path from, Path to) {
        try {
            if (Files.exists(from)) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(from);
                Files.setPosixFilePermissions(to, permissions);
            }
        } catch (UnsupportedOperationException | IOException ignored) {
            // Not a POSIX file system, or not allowed: the new file keeps the default permissions.
        }
    }

    /** Makes the rename itself durable on POSIX systems; folders cannot be opened this way on Windows. */
    private static void syncFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | RuntimeException ignored) {
            // Best effort: the file content itself is already synced.
        }
    }

    /** Lets a writer close "its" stream without closing the channel we still have to sync. */
    private static final class UnclosableStream extends FilterOutputStream {
        UnclosableStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
