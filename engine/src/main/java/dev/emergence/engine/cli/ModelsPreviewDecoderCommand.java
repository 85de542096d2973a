package dev.emergence.engine.cli;

import dev.emergence.engine.text.SafeText;
import dev.emergence.engine.library.ModelDownloader;
import dev.emergence.engine.library.ModelEntry;
import dev.emergence.engine.pipeline.CancellationToken;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "preview-decoder", mixinStandardHelpOptions = true,
        description = {"Download a TAESD-style preview decoder from the hub into a library model's vae_preview/ folder.",
                "It is added only after it has decoded that model's latents; it makes step previews sharper at little cost."})
final class ModelsPreviewDecoderCommand implements Callable<Integer> {
    @Mixin LibraryOptions options;

    @Parameters(paramLabel = "REPO", description = "The repository holding the decoder, e.g. deinferno/taesd-onnx.")
    String repo;

    @Option(names = "--to", required = true, paramLabel = "MODEL", description = "The library model to add it to.")
    String to;

    @Option(names = "--revision", paramLabel = "REV", description = "Branch, tag or commit (default: main).")
    String revision;

    @Option(names = "--file", paramLabel = "PATH", defaultValue = ModelDownloader.DEFAULT_PREVIEW_FILE,
            description = "The decoder's ONNX file in the repository (default: ${DEFAULT-VALUE}).")
    String file;

    @Option(names = "--replace", description = "Replace the model's present preview decoder.")
    boolean replace;

    @Override
    public Integer call() throws Exception {
        return add(options, repo, revision, file, to, replace);
    }

    static int add(LibraryOptions options, String repo, String revision, String file, String to, boolean replace) throws Exception {
        ProgressPrinter printer = new ProgressPrinter(System.err, System.console() != null);
        ModelEntry e;
        try {
            e = new ModelDownloader(options.hub(), options.library())
                    .downloadPreviewDecoder(repo, revision, file, to, replace, printer, new CancellationToken());
        } finally {
            printer.endLine();
        }
        System.out.println(SafeText.line(e.line()));
        return ExitCodes.OK;
    }
}
