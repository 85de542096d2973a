package dev.emergence.engine.cli;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.library.ModelEntry;
import dev.emergence.engine.library.ModelLibrary;
import dev.emergence.engine.model.DefaultModel;
import dev.emergence.engine.model.ModelException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a {@code --model} value names: a model folder, or a model in the library by its name
 * ({@code models list}). A folder that exists wins, so a path keeps meaning what it always meant;
 * only a value that is no existing path is looked up in the library.
 */
final class ModelArgument {
    private ModelArgument() {
    }

    /** The model folder for {@code value}: the embedded model when null, else a folder or a library model of this user. */
    static Path resolve(String value) throws ModelException, InvalidRequestException, IOException {
        if (value == null) return DefaultModel.locate();
        Optional<Path> folder = existingPath(value);
        if (folder.isPresent()) return folder.get();
        // The embedded model's name is no library model's (the library refuses it): no need to list the library.
        if (DefaultModel.NAME.equalsIgnoreCase(value)) return DefaultModel.locate();
        return resolve(value, ModelLibrary.openDefault());
    }

    /** Like {@link #resolve(String)} with the library given (an existing path still wins). */
    static Path resolve(String value, ModelLibrary library) throws ModelException, InvalidRequestException, IOException {
        Optional<Path> folder = existingPath(value);
        if (folder.isPresent()) return folder.get();
        if (!looksLikeName(value)) {
            // A path that does not exist (library names hold no separators): the engine's own "not found" says it best.
            throw new ModelException(value + ": model folder not found");
        }
        checkText(value);
        List<ModelEntry> entries = library.list();
        Optional<ModelEntry> found = entries.stream().filter(e -> e.name().equalsIgnoreCase(value)).findFirst();
        if (found.isEmpty() && DefaultModel.isName(value)) {
            // An old name of the embedded model (pictures and scripts may hold it).
            found = entries.stream().filter(e -> e.source() == ModelEntry.Source.EMBEDDED).findFirst();
        }
        if (found.isEmpty()) {
            List<String> usable = entries.stream().filter(ModelEntry::usable).map(ModelEntry::name).toList();
            throw new InvalidRequestException("model: '" + value + "' is neither a folder nor a model in the library " + library.root()
                    + "; available: " + (usable.isEmpty() ? "none ('models import DIR' or 'models download REPO' adds one)" : String.join(", ", usable)));
        }
        ModelEntry e = found.get();
        if (!e.usable()) throw new ModelException("model '" + e.name() + "' in the library cannot be used: " + e.problem());
        return e.folder();
    }

    /** A value that is no existing folder and holds a control character (a NUL cannot even be in a path) names nothing. */
    private static void checkText(String value) throws InvalidRequestException {
        if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
            throw new InvalidRequestException("model: '" + value + "' is not a folder or a model name (it holds a control character)");
        }
    }

    private static Optional<Path> existingPath(String value) {
        try {
            Path p = Path.of(value);
            return Files.exists(p) ? Optional.of(p) : Optional.empty();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    private static boolean looksLikeName(String value) {
        return !value.isBlank() && !value.contains("/") && !value.contains("\\") && !value.equals(".") && !value.equals("..");
    }
}
