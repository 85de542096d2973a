package dev.emergence.engine.library;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** Whole-folder operations of the library: copy, delete without following links, size, fingerprint. */
final class FileTrees {
    private FileTrees() {
    }

    /** Regular files under {@code folder} (links followed), as paths relative to it, sorted. */
    static List<Path> files(Path folder) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(folder, FileVisitOption.FOLLOW_LINKS)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p)) out.add(folder.relativize(p));
            }
        } catch (UncheckedIOException e) {
            // The stream wraps what went wrong mid-walk, e.g. a link to a parent folder (FileSystemLoopException).
            IOException cause = e.getCause();
            String what = cause instanceof FileSystemLoopException loop ? loop.getFile() + " is a link to a folder that contains it (a loop)"
                    : cause instanceof FileSystemException fs && fs.getReason() != null ? fs.getFile() + ": " + fs.getReason()
                    : String.valueOf(cause.getMessage()).lines().findFirst().orElse("");
            throw new LibraryException("cannot read the folder " + folder + ": " + what, cause);
        }
        out.sort(null);
        return out;
    }

    static long size(Path folder) throws IOException {
        long total = 0;
        for (Path p : files(folder)) total += Files.size(folder.resolve(p));
        return total;
    }

    /**
     * Copies every regular file under {@code source} into {@code target} (created), following links in
     * the source so the copy stands alone, and checks each copy's size against its original.
     */
    static void copy(Path source, Path target) throws IOException {
        Files.createDirectories(target);
        for (Path relative : files(source)) {
            Path from = source.resolve(relative);
            Path to = target.resolve(relative.toString());
            Files.createDirectories(to.getParent());
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
            long expected = Files.size(from), got = Files.size(to);
            if (expected != got) {
                throw new IOException("copying " + from + " gave " + got + " bytes instead of " + expected);
            }
        }
    }

    /**
     * Deletes {@code path} and, if it is a real folder, everything in it. Links are deleted, never
     * followed: removing a linked model must not touch the artist's own folder.
     */
    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) return;
        if (Files.isSymbolicLink(path) || !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(path);
            return;
        }
        Files.walkFileTree(path, EnumSet.noneOf(FileVisitOption.class), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) throw e;
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * A digest of every file's relative path, size and modification time: it changes when a model's
     * files change, and costs one folder walk, not a session load.
     */
    static String fingerprint(Path folder) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        for (Path relative : files(folder)) {
            Path file = folder.resolve(relative);
            String line = relative.toString().replace('\\', '/') + "\t" + Files.size(file) + "\t"
                    + Files.getLastModifiedTime(file).toMillis() + "\n";
            digest.update(line.getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
