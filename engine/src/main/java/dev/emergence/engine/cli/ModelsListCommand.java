package dev.emergence.engine.cli;

import dev.emergence.engine.library.ModelEntry;
import dev.emergence.engine.library.ModelLibrary;
import dev.emergence.engine.text.SafeText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List the embedded model and every model in the library: family, precision, size, what each generates.")
final class ModelsListCommand implements Callable<Integer> {
    @Mixin LibraryOptions options;

    @Option(names = "--json", description = "Print the list as JSON, with the engine's full summary of each model.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ModelLibrary library = options.library();
        List<ModelEntry> entries = library.list();
        if (json) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (ModelEntry e : entries) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", e.name());
                m.put("folder", e.folder().toString());
                m.put("source", e.source().name().toLowerCase(java.util.Locale.ROOT));
                m.put("usable", e.usable());
                if (e.usable()) {
                    m.put("capabilities", e.info().capabilities());
                    m.put("info", e.info());
                }
                else m.put("problem", e.problem());
                out.add(m);
            }
            System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(out));
            return ExitCodes.OK;
        }
        System.out.println(SafeText.line("library: " + library.root()));
        if (entries.isEmpty()) {
            System.out.println("(no models: 'models download REPO', 'models import DIR', or 'models catalogue' for suggestions)");
        }
        // Names and problems come from folder names and model files: escaped like everything printed.
        for (ModelEntry e : entries) System.out.println(SafeText.line(e.line()));
        return ExitCodes.OK;
    }
}
