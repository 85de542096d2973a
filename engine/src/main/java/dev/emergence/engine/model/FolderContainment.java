package dev.emergence.engine.model;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;

/**
 * Keeps every file of a model folder inside it: the folder is walked without following links, and
 * each link must lead (all links followed) to something inside the folder's real path that is not
 * one of the link's own parents (a loop, which would make copying or walking the folder endless).
 * Pipes, devices and sockets are refused too: reading one blocks or returns what is not a file.
 * {@link ExternalDataCheck} covers what the graphs name; this covers every other file of the bundle
 * (tokenizer, configs) and what a copy of the folder would take in.
 */
public final class FolderContainment {
    /** Deeper than any model layout; a deeper tree is refused rather than walked. */
    private static final int MAX_DEPTH = 32;

    private FolderContainment() {
    }

    /**
     * Refuses {@code folder} when anything in it leads outside it, loops, or is no file or folder.
     *
     * @param name how messages name the folder, e.g. "tiny-sd"
     */
    public static void requireContained(Path folder, String name) throws ModelException {
        Path root = ExternalDataCheck.realFolder(folder, name);
        try {
            Files.walkFileTree(root, EnumSet.noneOf(FileVisitOption.class), MAX_DEPTH, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    String label = name + "/" + root.relativize(file).toString().replace('\\', '/');
                    if (attrs.isSymbolicLink()) {
                        checkLink(file, root, label);
                    } else if (attrs.isDirectory()) {
                        throw new Refused(label + ": the folder is nested more than " + MAX_DEPTH + " deep; expected a model folder's layout");
                    } else if (!attrs.isRegularFile()) {
                        throw new Refused(label + " is not a regular file (" + ExternalDataCheck.kind(file)
                                + "); expected only files and folders in a model folder");
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    throw new Refused(name + "/" + root.relativize(file) + " cannot be read (" + ExternalDataCheck.why(e) + ")");
                }
            });
        } catch (Refused e) {
            throw new ModelException(e.getMessage());
        } catch (IOException e) {
            throw new ModelException(name + ": the model folder cannot be read (" + ExternalDataCheck.why(e) + ")", e);
        }
    }

    private static void checkLink(Path link, Path root, String label) throws Refused {
        Path target;
        try {
            target = link.toRealPath();
        } catch (IOException e) {
            // ELOOP ("Too many levels of symbolic links") for a link to itself; no such file for a broken one.
            throw new Refused(label + " is a link that leads nowhere (" + ExternalDataCheck.why(e) + "); expected a file inside the model folder");
        }
        if (!target.startsWith(root)) {
            throw new Refused(label + " leaves the model folder (it leads to " + target + "); expected a file inside it");
        }
        if (Files.isDirectory(target) && link.getParent().startsWith(target)) {
            throw new Refused(label + " is a link to a folder that contains it (a loop); expected a file inside the model folder");
        }
        if (!Files.isRegularFile(target) && !Files.isDirectory(target)) {
            throw new Refused(label + " leads to " + ExternalDataCheck.kind(target) + "; expected a file inside the model folder");
        }
    }

    /** A refusal on its way out of the walk, which only lets IOExceptions through. */
    private static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }
}
