package dev.emergence.engine.cli;

import dev.emergence.engine.InvalidRequestException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Checks, before any work is done, that a file or folder a command is told to write can be written:
 * a generation that runs for minutes must not fail at its very end because {@code --out} names a
 * folder, a missing folder or one the user may not write into. Every message names the option and
 * the path the user gave.
 */
final class OutputTarget {
    private OutputTarget() {
    }

    /**
     * {@code file} (given as {@code option}) must end in {@code extension}, must not be a folder or a
     * special file, and its folder must exist and take new files (tried by creating and deleting one).
     */
    static void checkFile(String option, Path file, String extension) throws InvalidRequestException {
        if (Files.isDirectory(file)) {
            throw new InvalidRequestException(option + ": " + file + " is a folder; expected the " + extension + " file to write");
        }
        if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(extension)) {
            throw new InvalidRequestException(option + ": '" + file + "' must be a " + extension + " file");
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file)) {
            throw new InvalidRequestException(option + ": " + file + " is not a regular file (a FIFO, device or socket);"
                    + " expected the " + extension + " file to write");
        }
        Path folder = file.toAbsolutePath().getParent();
        if (folder == null) {
            throw new InvalidRequestException(option + ": " + file + " is not a file name; expected the " + extension + " file to write");
        }
        checkWritableFolder(option, file, folder);
    }

    /** {@code folder} (given as {@code option}) must be a folder that takes new files, or one that can be created. */
    static void checkFolder(String option, Path folder) throws InvalidRequestException {
        Path existing = folder.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return; // nothing exists on the way: creating it will say why
        if (!Files.isDirectory(existing)) {
            throw new InvalidRequestException(option + ": " + (existing.equals(folder.toAbsolutePath()) ? folder : existing)
                    + " is not a folder; expected a folder to write into");
        }
        checkWritableFolder(option, folder, existing);
    }

    private static void checkWritableFolder(String option, Path given, Path folder) throws InvalidRequestException {
        if (!Files.isDirectory(folder)) {
            String what = Files.exists(folder) ? " is not a folder" : " does not exist";
            throw new InvalidRequestException(option + ": " + given + ": the folder " + folder + what
                    + "; expected an existing folder to write into");
        }
        // Permissions alone do not tell (read-only mounts, ACLs, root): try it.
        try {
            Path probe = Files.createTempFile(folder, ".write-check-", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new InvalidRequestException(option + ": " + given + ": cannot write into the folder " + folder + " ("
                    + reason(e) + "); expected a folder you may write into");
        }
    }

    private static String reason(Exception e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.NoSuchFileException) return "it takes no new files";
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getReason();
        return e.getClass().getSimpleName();
    }
}
