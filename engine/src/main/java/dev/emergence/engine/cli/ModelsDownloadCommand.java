package dev.emergence.engine.cli;

import dev.emergence.engine.text.SafeText;
import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.library.Catalogue;
import dev.emergence.engine.library.ModelDownloader;
import dev.emergence.engine.library.ModelEntry;
import dev.emergence.engine.pipeline.CancellationToken;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "download", mixinStandardHelpOptions = true,
        description = {"Download a diffusers ONNX model from the Hugging Face hub into the library.",
                "Only the files the engine needs are fetched, each verified against the hub's sha-256 and resumed if an earlier"
                        + " run was interrupted; the model is opened before it is added."})
final class ModelsDownloadCommand implements Callable<Integer> {
    @Mixin LibraryOptions options;

    @Parameters(paramLabel = "REPO", description = "A repository id (owner/name) or a catalogue id ('models catalogue').")
    String repo;

    @Option(names = "--revision", paramLabel = "REV", description = "Branch, tag or commit (default: main, or the catalogue's).")
    String revision;

    @Option(names = "--name", paramLabel = "NAME", description = "The name in the library (default: after the repository).")
    String name;

    @Option(names = "--to", paramLabel = "MODEL", description = "For a catalogue preview decoder: the library model to add it to.")
    String to;

    @Override
    public Integer call() throws Exception {
        String repository = repo;
        String rev = revision;
        Optional<Catalogue.Entry> known = repo.contains("/") ? Optional.empty() : Catalogue.load().find(repo);
        if (known.isPresent()) {
            repository = known.get().repo();
            if (rev == null) rev = known.get().revision();
            if (known.get().isPreviewDecoder()) {
                if (to == null) throw new InvalidRequestException("to: '" + repo + "' is a preview decoder; add it to a model with --to MODEL");
                return ModelsPreviewDecoderCommand.add(options, repository, rev, known.get().file(), to, false);
            }
        }
        if (to != null) throw new InvalidRequestException("to: only for preview decoders (see 'models preview-decoder')");
        ProgressPrinter printer = new ProgressPrinter(System.err, System.console() != null);
        ModelDownloader downloader = new ModelDownloader(options.hub(), options.library());
        ModelEntry e;
        try {
            e = downloader.download(repository, rev, name, printer, new CancellationToken());
        } finally {
            printer.endLine();
        }
        System.out.println(SafeText.line(e.line()));
        System.out.println(SafeText.line(e.folder()));
        return ExitCodes.OK;
    }
}
