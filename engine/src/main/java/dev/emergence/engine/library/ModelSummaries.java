package dev.emergence.engine.library;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.io.AtomicFiles;
import dev.emergence.engine.model.ModelBundle;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.model.ModelInfo;
import dev.emergence.engine.runtime.ExecutionOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The engine's summary of each model, cached as a small JSON file per model in the library's
 * {@value #FOLDER} folder so that listing the library does not load every model's ONNX sessions.
 * Each cached summary carries a fingerprint of the model's files (names, sizes, times); a model whose
 * files changed is opened again.
 */
final class ModelSummaries {
    static final String FOLDER = ".summaries";
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** What the cache file holds: the fingerprint and either the summary or the reason the model cannot be used. */
    record Cached(int format, String fingerprint, ModelInfo info, String problem) {
    }

    // 2: model families (SDXL, LCM, Turbo) open; entries that refused them are read again
    private static final int FORMAT = 2;

    private final Path folder;

    ModelSummaries(Path libraryRoot) {
        this.folder = libraryRoot.resolve(FOLDER);
    }

    /** The summary of {@code modelFolder}, from the cache when its files have not changed, else by opening it. */
    ModelEntry entry(String name, String cacheKey, Path modelFolder, ModelEntry.Source source) {
        String fingerprint;
        try {
            fingerprint = FileTrees.fingerprint(modelFolder);
        } catch (IOException e) {
            return new ModelEntry(name, modelFolder, source, null, "cannot read " + modelFolder + ": " + e.getMessage());
        }
        Cached cached = read(cacheKey);
        if (cached == null || cached.format() != FORMAT || !fingerprint.equals(cached.fingerprint())) {
            cached = open(modelFolder, fingerprint);
            write(cacheKey, cached);
        }
        ModelInfo info = cached.info() == null ? null : withLocation(cached.info(), name, modelFolder);
        return new ModelEntry(name, modelFolder, source, info, info == null ? cached.problem() : null);
    }

    /** Records a summary already known (from the validation at import) so the first listing need not open the model again. */
    void remember(String cacheKey, Path modelFolder, ModelInfo info) {
        try {
            write(cacheKey, new Cached(FORMAT, FileTrees.fingerprint(modelFolder), info, null));
        } catch (IOException e) {
            // Only a cache: the next listing opens the model instead.
        }
    }

    void forget(String cacheKey) throws IOException {
        Files.deleteIfExists(file(cacheKey));
    }

    /** Opens the model on the CPU to learn what it is; a broken model gives the engine's one-line reason. */
    static Cached open(Path modelFolder, String fingerprint) {
        Path real;
        try {
            // A linked model is opened through its real path so its size on disk counts its files.
            real = modelFolder.toRealPath();
        } catch (IOException e) {
            return new Cached(FORMAT, fingerprint, null, modelFolder + ": model folder not found");
        }
        try (ModelBundle bundle = ModelBundle.open(real, ExecutionOptions.cpu())) {
            return new Cached(FORMAT, fingerprint, bundle.info(), null);
        } catch (ModelException e) {
            return new Cached(FORMAT, fingerprint, null, e.getMessage());
        } catch (RuntimeException e) {
            // ONNX Runtime failing in a way the engine did not foresee still leaves the rest of the list usable.
            return new Cached(FORMAT, fingerprint, null, modelFolder.getFileName() + ": cannot be opened (" + e + ")");
        }
    }

    /** The same summary under the library's name and path for the model. */
    static ModelInfo withLocation(ModelInfo i, String name, Path folder) {
        return i.withLocation(name, folder.toString());
    }

    private Cached read(String cacheKey) {
        Path file = file(cacheKey);
        if (!Files.isRegularFile(file)) return null;
        try {
            return MAPPER.readValue(file.toFile(), Cached.class);
        } catch (IOException | RuntimeException e) {
            return null; // An unreadable cache entry is rebuilt.
        }
    }

    private void write(String cacheKey, Cached cached) {
        try {
            Files.createDirectories(folder);
            AtomicFiles.writeString(file(cacheKey), MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(cached));
        } catch (IOException e) {
            // A read-only library still lists; it just opens models every time.
        }
    }

    private Path file(String cacheKey) {
        return folder.resolve(cacheKey + ".json");
    }
}
