package dev.emergence.app;

import dev.emergence.app.engine.EngineAdapter;
import dev.emergence.app.engine.StudioEngine;
import dev.emergence.app.ui.FileDialogs;
import dev.emergence.engine.library.HubClient;
import dev.emergence.engine.library.ModelDownloader;
import dev.emergence.engine.library.ModelLibrary;
import dev.emergence.engine.model.DefaultModel;
import dev.emergence.engine.model.ModelException;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What a studio is built from. The application uses {@link #fromSystem}; tests give their own
 * folders, model library, hub and file dialogs.
 *
 * @param library     opens the model library (with the embedded model, if any); called off the FX thread
 * @param downloaders makes a downloader from the hub into that library; called off the FX thread
 * @param openUri     opens a folder in the desktop's own viewer; false when it could not (or cannot tell); called off the FX thread
 */
public record StudioConfig(StudioPaths paths, Supplier<StudioEngine> engine, Supplier<ModelLibrary> library,
                           Function<ModelLibrary, ModelDownloader> downloaders, FileDialogs dialogs, Predicate<String> openUri,
                           boolean restoreSession) {

    /** The user's own library (shared with the command line's 'models' commands) and the hub named by the environment. */
    public static StudioConfig fromSystem(Predicate<String> openUri) {
        return new StudioConfig(StudioPaths.fromSystem(), EngineAdapter::fromSystemProperties, ModelLibrary::openDefault,
                library -> new ModelDownloader(HubClient.fromEnvironment(), library), FileDialogs.native_(), openUri, true);
    }

    /** The embedded default model, when this installation or checkout has one. */
    public static Optional<Path> embeddedModel() {
        try {
            return Optional.of(DefaultModel.locate());
        } catch (ModelException e) {
            return Optional.empty();
        }
    }

    public StudioConfig withDialogs(FileDialogs d) {
        return new StudioConfig(paths, engine, library, downloaders, d, openUri, restoreSession);
    }
}
