package dev.emergence.engine.model;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Keeps an ONNX graph from reading files outside its model folder. ONNX Runtime opens whatever an
 * initializer's external-data {@code location} names, relative to the graph's folder: an absolute
 * path, a {@code ../} climb or a link leading out would let a downloaded model read any file the
 * user can (its bytes then shape the picture), and a pipe or device could hang the load. So before
 * a session is created the graph file itself and every location it names must resolve, links
 * followed, to a regular file inside the model folder's real path. A link inside the folder to a
 * file inside it is fine.
 */
public final class ExternalDataCheck {
    private static final String EXPECTED = "expected a file inside it";

    private ExternalDataCheck() {
    }

    /**
     * Refuses {@code graph} unless it and all its external data stay inside {@code folder}.
     *
     * @param label how messages name the graph, e.g. "tiny-sd/unet/model.onnx"
     */
    public static void requireInside(Path graph, Path folder, String label) throws ModelException {
        Path root = realFolder(folder, label);
        Path graphReal;
        try {
            graphReal = graph.toRealPath();
        } catch (NoSuchFileException e) {
            throw new ModelException(label + ": file not found");
        } catch (IOException e) {
            throw new ModelException(label + ": cannot be resolved (" + why(e) + ")", e);
        }
        if (!graphReal.startsWith(root)) {
            throw new ModelException(label + " leaves the model folder (it leads to " + graphReal + "); " + EXPECTED);
        }
        if (!Files.isRegularFile(graphReal)) throw new ModelException(label + ": not a regular file; expected an ONNX model file");

        Iterable<OnnxExternalData.Reference> references;
        try {
            references = OnnxExternalData.read(graphReal);
        } catch (ProtoWire.MalformedException | EOFException e) {
            throw new ModelException(label + ": not a valid ONNX model (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new ModelException(label + ": cannot be read (" + why(e) + ")", e);
        }
        // ONNX Runtime resolves locations against the folder of the graph as it was named, links in the path followed.
        Path base = graph.toAbsolutePath().getParent();
        Set<String> checked = new HashSet<>();
        for (OnnxExternalData.Reference ref : references) {
            if (ref.location() == null) {
                throw new ModelException(label + ": tensor '" + ref.tensor() + "' keeps its data externally but names no file");
            }
            if (checked.add(ref.location())) checkLocation(ref.location(), base, root, label);
        }
    }

    private static void checkLocation(String location, Path base, Path root, String label) throws ModelException {
        String named = "external data '" + location + "'";
        Path relative;
        try {
            relative = Path.of(location);
        } catch (InvalidPathException e) {
            throw new ModelException(label + ": " + named + " is not a usable file name; " + EXPECTED + " of the model folder");
        }
        // "\x" and "C:x" are not absolute on Windows yet do not stay below the base either.
        if (location.isEmpty() || relative.isAbsolute() || relative.getRoot() != null) {
            throw new ModelException(label + ": " + named + " leaves the model folder (an absolute path); " + EXPECTED);
        }
        Path target = base.resolve(relative);
        Path real;
        try {
            real = target.toRealPath();
        } catch (NoSuchFileException e) {
            // Missing: still say so when the name alone climbs out ("../../secret"), which no fix of the folder would cure.
            if (!realOf(base).resolve(relative).normalize().startsWith(root)) {
                throw new ModelException(label + ": " + named + " leaves the model folder; " + EXPECTED);
            }
            throw new ModelException(label + ": cannot read its external weights (" + location + " not found beside it)", e);
        } catch (IOException e) {
            throw new ModelException(label + ": " + named + " cannot be resolved (" + why(e) + "); " + EXPECTED, e);
        }
        if (!real.startsWith(root)) {
            throw new ModelException(label + ": " + named + " leaves the model folder (it leads to " + real + "); " + EXPECTED);
        }
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new ModelException(label + ": " + named + " is not a regular file (" + kind(real) + "); " + EXPECTED);
        }
    }

    private static Path realOf(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            return dir.normalize();
        }
    }

    static Path realFolder(Path folder, String label) throws ModelException {
        try {
            return folder.toRealPath();
        } catch (IOException e) {
            throw new ModelException(label + ": its model folder " + folder + " cannot be resolved (" + why(e) + ")", e);
        }
    }

    static String kind(Path p) {
        if (Files.isDirectory(p)) return "a folder";
        if (Files.isSymbolicLink(p)) return "a link";
        return "a pipe, device or socket";
    }

    static String why(IOException e) {
        if (e instanceof FileSystemException fs && fs.getReason() != null) return fs.getReason();
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }
}
