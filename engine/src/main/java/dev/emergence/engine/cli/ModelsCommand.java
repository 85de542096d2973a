package dev.emergence.engine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The model library: list, import, remove, download from the hub, the catalogue of starting models. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"The model library in the user's data folder: list, import, remove, download from the Hugging Face hub.",
                "Models enter the library only after the engine has opened them; downloads resume when run again."},
        subcommands = {ModelsListCommand.class, ModelsImportCommand.class, ModelsRemoveCommand.class, ModelsDownloadCommand.class,
                ModelsPreviewDecoderCommand.class, ModelsCatalogueCommand.class})
final class ModelsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
