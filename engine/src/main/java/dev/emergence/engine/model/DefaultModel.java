package dev.emergence.engine.model;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the embedded default model: beside an installed launcher ({@code models/default}), or in a
 * source checkout's {@code assets/default-model}. Wherever it lies it has one name, {@value #NAME},
 * in {@code --model}, {@code models list}, the studio's picker and the pictures' metadata.
 */
public final class DefaultModel {
    /** Overrides the search (used by installers and tests). */
    public static final String PROPERTY = "emergence.defaultModel";
    /** The embedded model's one name. */
    public static final String NAME = "default";
    /**
     * Names it had before it had one (the checkout's folder name, which pictures made from a checkout
     * record): still accepted by {@code --model} where no library model has them.
     */
    public static final List<String> ALIASES = List.of("default-model");

    private DefaultModel() {
    }

    /** Whether {@code value} is the embedded model's name or one of its old names (case-insensitive). */
    public static boolean isName(String value) {
        return value != null && (NAME.equalsIgnoreCase(value) || ALIASES.stream().anyMatch(value::equalsIgnoreCase));
    }

    /**
     * The name of the model in {@code folder}: {@value #NAME} for the embedded model, wherever it is
     * installed, else the folder's name.
     */
    public static String nameOf(Path folder) {
        Path f = folder.toAbsolutePath().normalize();
        try {
            if (Files.isSameFile(f, locate())) return NAME;
        } catch (ModelException | IOException | SecurityException e) {
            // No embedded model here (or it cannot be compared): the folder names the model.
        }
        return f.getFileName() == null ? f.toString() : f.getFileName().toString();
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
