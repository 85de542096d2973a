package dev.emergence.engine.cli;

import dev.emergence.engine.text.SafeText;
import dev.emergence.engine.model.ModelBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Summarise a model folder: version, inpainting, text width, prediction type, sizes, precision, tensors.")
final class InfoCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR|NAME",
            description = "The model folder, or the name of a library model ('models list'); default: the embedded model.")
    String model;

    @Option(names = "--json", description = "Print the summary as JSON.")
    boolean json;

    @Mixin
    DeviceOptions device;

    @Override
    public Integer call() throws Exception {
        Path dir = ModelArgument.resolve(model);
        try (ModelBundle bundle = ModelBundle.open(dir, device.toOptions())) {
            if (json) {
                System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(bundle.info()));
            } else {
                // Names and classes come from the model's files: escaped like everything printed.
                System.out.print(SafeText.lines(bundle.info().summary()));
                if (bundle.takesControlNets()) System.out.println("ControlNet:     takes ControlNets (a ControlNet UNet in the folder)");
                System.out.println(SafeText.line("device: " + bundle.device()));
            }
        }
        return ExitCodes.OK;
    }
}
