package dev.emergence.engine.cli;

import dev.emergence.engine.library.DataFolders;
import dev.emergence.engine.library.HubClient;
import dev.emergence.engine.library.ModelLibrary;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;

/** Which model library and which hub the {@code models} commands use. */
final class LibraryOptions {
    @Option(names = "--library", paramLabel = "DIR",
            description = "The models folder (default: the user's data folder, e.g. ~/.local/share/emergence-studio/models on Linux).")
    Path library;

    @Option(names = "--hub", paramLabel = "URL",
            description = "The hub's address (default: $HF_ENDPOINT if set, else huggingface.co). A token for gated models comes from $HF_TOKEN.")
    URI hub;

    ModelLibrary library() {
        return library != null ? new ModelLibrary(library) : new ModelLibrary(DataFolders.modelsFolder());
    }

    HubClient hub() {
        return hub == null ? HubClient.fromEnvironment() : new HubClient(hub, HubClient.tokenFromEnvironment());
    }
}
