package dev.emergence.engine.cli;

import dev.emergence.engine.text.SafeText;
import dev.emergence.engine.library.Bytes;
import dev.emergence.engine.library.Catalogue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "catalogue", mixinStandardHelpOptions = true,
        description = "Known starting models on the hub: 'models download ID' fetches one (a preview decoder needs --to MODEL).")
final class ModelsCatalogueCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print the catalogue as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Catalogue c = Catalogue.load();
        if (json) {
            System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(c.entries()));
            return ExitCodes.OK;
        }
        for (Catalogue.Entry e : c.entries()) {
            System.out.println(SafeText.line(String.format(Locale.ROOT, "%-22s %s", e.id(), e.title())));
            System.out.println(SafeText.line(String.format(Locale.ROOT, "%-22s %s@%s, %s, %s, ~%s, licence %s%s", "", e.repo(), e.revision(),
                    e.isPreviewDecoder() ? "preview decoder" : e.family() + (e.inpainting() ? " inpainting" : ""), e.precision(),
                    Bytes.human(e.approxBytes()), e.licence(), e.verifiedHere() ? "" : ", not yet verified with this engine")));
            System.out.println(SafeText.line(String.format(Locale.ROOT, "%-22s %s", "", e.goodFor())));
            if (e.notes() != null && !e.notes().isBlank()) System.out.println(SafeText.line(String.format(Locale.ROOT, "%-22s %s", "", e.notes())));
        }
        return ExitCodes.OK;
    }
}
