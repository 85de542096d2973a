package dev.emergence.engine.cli;

import dev.emergence.engine.text.SafeText;
import dev.emergence.engine.library.ModelEntry;
import dev.emergence.engine.library.ModelLibrary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Add a diffusers-layout ONNX model folder to the library, after the engine has opened it.",
                "It is copied, or with --link used where it is (then the folder must stay there)."})
final class ModelsImportCommand implements Callable<Integer> {
    @Mixin LibraryOptions options;

    @Parameters(paramLabel = "DIR", description = "The model folder (model_index.json, tokenizer/, scheduler/, text_encoder/, unet/, vae_decoder/).")
    Path folder;

    @Option(names = "--name", paramLabel = "NAME", description = "The name in the library (default: the folder's name).")
    String name;

    @Option(names = "--link", description = "Link to the folder instead of copying it.")
    boolean link;

    @Override
    public Integer call() throws Exception {
        Path absolute = folder.toAbsolutePath().normalize();
        String n = name != null ? name
                : ModelLibrary.suggestName(absolute.getFileName() == null ? "model" : absolute.getFileName().toString());
        System.err.println(SafeText.line((link ? "linking " : "copying ") + folder + " as '" + n + "'"));
        ModelEntry e = options.library().importFolder(folder, n, link);
        System.out.println(SafeText.line(e.line()));
        return ExitCodes.OK;
    }
}
