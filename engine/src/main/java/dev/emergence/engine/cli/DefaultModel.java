package dev.emergence.engine.cli;

import dev.emergence.engine.model.ModelException;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds the embedded default model: beside an installed launcher, or in a source checkout's assets/. */
public final class DefaultModel {
    /** Overrides the search (used by installers and tests). */
    public static final String PROPERTY = "emergence.defaultModel";

    private DefaultModel() {
    }

    public static Path locate() throws ModelException {
        String configured = System.getProperty(PROPERTY);
        if (configured != null) return Path.of(configured);
        List<Path> candidates = new ArrayList<>();
        try {
            Path jar = Path.of(DefaultModel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path dir = jar.getParent(); dir != null; dir = dir.getParent()) {
                candidates.add(dir.resolve("models").resolve("default"));
                candidates.add(dir.resolve("assets").resolve("default-model"));
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // Fall through to the working directory.
        }
        candidates.add(Path.of("assets", "default-model"));
        for (Path c : candidates) {
            if (Files.isRegularFile(c.resolve("model_index.json"))) return c;
        }
        throw new ModelException("the embedded default model was not found (looked for models/default beside the launcher and assets/default-model); give --model DIR");
    }
}
