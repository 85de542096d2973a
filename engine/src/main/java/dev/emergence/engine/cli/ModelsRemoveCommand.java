package dev.emergence.engine.cli;

import dev.emergence.engine.text.SafeText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "remove", mixinStandardHelpOptions = true,
        description = "Remove a model from the library: a copied model's files are deleted, a linked model's link only.")
final class ModelsRemoveCommand implements Callable<Integer> {
    @Mixin LibraryOptions options;

    @Parameters(paramLabel = "NAME", description = "The model's name in the library (see 'models list').")
    String name;

    @Override
    public Integer call() throws Exception {
        options.library().remove(name);
        System.out.println(SafeText.line("removed '" + name + "'"));
        return ExitCodes.OK;
    }
}
