package dev.emergence.app.gallery;

import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.pipeline.GenerationResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The output folder: every result is written here, with its parameters embedded, before the
 * studio shows it. Names sort by time: {@code 20250101-120000-123_seed42.png}.
 */
public final class ResultStore {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS", Locale.ROOT);

    private final Path folder;

    public ResultStore(Path folder) {
        this.folder = folder;
    }

    public Path folder() { return folder; }

    /** Writes the result atomically (the engine's PNG writer) and returns its file. */
    public Path save(GenerationResult result) throws IOException {
        Files.createDirectories(folder);
        String base = STAMP.format(LocalDateTime.now()) + "_seed" + result.request().seed();
        Path target = folder.resolve(base + ".png");
        for (int n = 2; Files.exists(target); n++) target = folder.resolve(base + "_" + n + ".png");
        GenerationPng.save(target, result.image(), result.request(), result.mode(), result.loraHashes());
        return target;
    }

    /** The PNGs in the folder, newest first, at most {@code limit}. */
    public List<Path> list(int limit) throws IOException {
        if (!Files.isDirectory(folder)) return List.of();
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png"))
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
                    .limit(limit)
                    .toList();
        }
    }
}
