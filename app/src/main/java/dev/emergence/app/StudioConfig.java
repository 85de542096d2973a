package dev.emergence.app;

import dev.emergence.app.engine.EngineAdapter;
import dev.emergence.app.engine.StudioEngine;
import dev.emergence.app.ui.FileDialogs;
import dev.emergence.engine.cli.DefaultModel;
import dev.emergence.engine.model.ModelException;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a studio is built from. The application uses {@link #fromSystem}; tests give their own
 * folders, model and file dialogs.
 *
 * @param defaultModel the model to load when the session names none (empty: "no model: import one")
 * @param openUri      opens a folder or file in the desktop's own viewer
 */
public record StudioConfig(StudioPaths paths, Supplier<StudioEngine> engine, Supplier<Optional<Path>> defaultModel,
                           FileDialogs dialogs, Consumer<String> openUri, boolean restoreSession) {

    public static StudioConfig fromSystem(Consumer<String> openUri) {
        return new StudioConfig(StudioPaths.fromSystem(), EngineAdapter::fromSystemProperties, StudioConfig::embeddedModel,
                FileDialogs.native_(), openUri, true);
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
        return new StudioConfig(paths, engine, defaultModel, d, openUri, restoreSession);
    }
}
