package dev.emergence.engine.library;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.model.ModelInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The engine's fixture bundles (engine/testmodels) as seen by the library's tests. */
final class Fixtures {
    static final Path MODELS = Path.of("testmodels");
    static final Path TINY = MODELS.resolve("tiny-sd");
    static final Path TINY_INPAINT = MODELS.resolve("tiny-sd-inpaint");
    static final Path TINY_FP16 = MODELS.resolve("tiny-sd-fp16");

    private static JsonNode reference;

    private Fixtures() {
    }

    /** A library in {@code root} with no embedded model and unlimited space. */
    static ModelLibrary library(Path root) {
        return new ModelLibrary(root, Optional::empty, folder -> Long.MAX_VALUE);
    }

    /**
     * Checks a summary against the configuration the fixture script wrote the bundle with
     * (testmodels/reference.json, "info"), which is independent of the engine's reading of it.
     */
    static void assertInfoMatches(String bundle, ModelInfo info) {
        JsonNode expected = reference().get("bundles").get(bundle).get("info");
        assertEquals(expected.get("family").asText(), info.family(), bundle + " family");
        assertEquals(expected.get("inpainting").asBoolean(), info.inpainting(), bundle + " inpainting");
        assertEquals(expected.get("fp16").asBoolean(), info.fp16(), bundle + " fp16");
        assertEquals(expected.get("nativeSampleSize").asInt(), info.nativeSampleSize(), bundle + " native size");
        assertEquals(expected.get("hasPreviewDecoder").asBoolean(), info.hasPreviewDecoder(), bundle + " preview decoder");
    }

    static synchronized JsonNode reference() {
        if (reference == null) {
            try {
                reference = new ObjectMapper().readTree(MODELS.resolve("reference.json").toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return reference;
    }

    /** The total size of the regular files under a folder, counted here rather than by the code under test. */
    static long bytesIn(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            long total = 0;
            for (Path p : (Iterable<Path>) walk::iterator) if (Files.isRegularFile(p)) total += Files.size(p);
            return total;
        }
    }

    /** A writable copy of a fixture bundle. */
    static Path copy(Path bundle, Path target) throws IOException {
        return dev.emergence.engine.TestFolders.copy(bundle, target);
    }

    /** Names in a folder, hidden ones included, or none when it does not exist. */
    static java.util.List<String> names(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) return java.util.List.of();
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
