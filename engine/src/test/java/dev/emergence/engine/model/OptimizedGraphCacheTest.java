package dev.emergence.engine.model;

import dev.emergence.engine.TestFolders;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.runtime.GraphCache;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ONNX Runtime's optimised graphs, kept in the user's cache: written outside the model, reused, rebuilt when stale or corrupt. */
class OptimizedGraphCacheTest {

    private static ExecutionOptions cachedIn(Path cache) {
        return TestModels.CPU.withGraphCache(GraphCache.in(cache));
    }

    /** The tiny UNet's reference inputs (reference.json: batch 2, 8×8 latents, 768-wide text states). */
    private static Map<String, Tensor> unetFeeds() {
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        feeds.put("sample", TestModels.pattern("sample", 2, 4, 8, 8));
        feeds.put("timestep", new Tensor(new float[] {901, 901}, 2));
        feeds.put("encoder_hidden_states", TestModels.pattern("text", 2, 77, 768));
        return feeds;
    }

    private static Map<String, Tensor> run(Path file, Path folder, ExecutionOptions options, String[] source) throws Exception {
        try (OnnxModel model = OnnxModel.open(file, "tiny-sd/unet/model.onnx", options, folder)) {
            source[0] = model.graphSource();
            return model.run(unetFeeds());
        }
    }

    private static List<String> listing(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.map(p -> folder.relativize(p) + " " + (Files.isRegularFile(p) ? p.toFile().length() + ":" + p.toFile().lastModified() : "dir"))
                    .sorted().toList();
        }
    }

    private static void assertSameOutputs(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name).shape(), actual.get(name).shape(), name);
            assertArrayEquals(expected.get(name).data(), actual.get(name).data(), 0f, name + " must be bit-identical");
        }
    }

    @Test
    void theSecondOpenUsesTheCachedGraphWrittenOutsideTheModelFolderWithBitIdenticalOutputs(@TempDir Path temp) throws Exception {
        Path folder = TestFolders.copy(TestModels.bundle("tiny-sd"), temp.resolve("tiny-sd"));
        Path file = folder.resolve("unet").resolve("model.onnx");
        Path cache = temp.resolve("cache");
        List<String> before = listing(folder);
        String[] source = new String[1];

        Map<String, Tensor> uncached = run(file, folder, TestModels.CPU.withGraphCache(GraphCache.off()), source);
        assertEquals("original", source[0]);
        Map<String, Tensor> first = run(file, folder, cachedIn(cache), source);
        assertEquals("written", source[0]);
        Map<String, Tensor> second = run(file, folder, cachedIn(cache), source);
        assertEquals("cached", source[0]);

        assertEquals(before, listing(folder), "nothing is written inside the model folder");
        OptimizedGraphCache entry = OptimizedGraphCache.of(file, cachedIn(cache));
        assertTrue(entry.entry().startsWith(cache));
        List<String> names = entry.files().stream().map(p -> p.getFileName().toString()).toList();
        assertTrue(names.contains(OptimizedGraphCache.GRAPH) && names.contains(OptimizedGraphCache.KEY), names.toString());
        try (Stream<Path> all = Files.list(cache)) {
            assertEquals(1, all.count(), "one entry, no temporary folders left behind");
        }
        assertSameOutputs(uncached, first);
        assertSameOutputs(uncached, second);
    }

    @Test
    void aChangedModelFileRebuildsItsEntry(@TempDir Path temp) throws Exception {
        Path folder = TestFolders.copy(TestModels.bundle("tiny-sd"), temp.resolve("tiny-sd"));
        Path file = folder.resolve("unet").resolve("model.onnx");
        Path cache = temp.resolve("cache");
        String[] source = new String[1];
        run(file, folder, cachedIn(cache), source);
        String keyBefore = OptimizedGraphCache.keyOf(file.toRealPath(), cachedIn(cache));

        // the same graph saved again: another modification time is another file as far as the cache knows
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() - 60_000));
        assertNotEquals(keyBefore, OptimizedGraphCache.keyOf(file.toRealPath(), cachedIn(cache)));
        run(file, folder, cachedIn(cache), source);
        assertEquals("written", source[0]);
        run(file, folder, cachedIn(cache), source);
        assertEquals("cached", source[0]);

        // external weights changed too
        Path weights = folder.resolve("unet").resolve("weights.pb");
        Files.setLastModifiedTime(weights, FileTime.fromMillis(Files.getLastModifiedTime(weights).toMillis() - 60_000));
        run(file, folder, cachedIn(cache), source);
        assertEquals("written", source[0]);
    }

    @Test
    void aCorruptEntryIsIgnoredAndRebuilt(@TempDir Path temp) throws Exception {
        Path folder = TestFolders.copy(TestModels.bundle("tiny-sd"), temp.resolve("tiny-sd"));
        Path file = folder.resolve("unet").resolve("model.onnx");
        Path cache = temp.resolve("cache");
        String[] source = new String[1];
        Map<String, Tensor> expected = run(file, folder, TestModels.CPU.withGraphCache(GraphCache.off()), source);
        run(file, folder, cachedIn(cache), source);
        Path entry = OptimizedGraphCache.of(file, cachedIn(cache)).entry();

        Files.write(entry.resolve(OptimizedGraphCache.GRAPH), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        Map<String, Tensor> afterCorruptGraph = run(file, folder, cachedIn(cache), source);
        assertEquals("written", source[0]);
        assertSameOutputs(expected, afterCorruptGraph);

        Path weights = entry.resolve(OptimizedGraphCache.WEIGHTS);
        if (Files.exists(weights)) {
            Files.write(weights, new byte[] {9});
            Map<String, Tensor> afterTruncatedWeights = run(file, folder, cachedIn(cache), source);
            assertEquals("written", source[0]);
            assertSameOutputs(expected, afterTruncatedWeights);
        }
        run(file, folder, cachedIn(cache), source);
        assertEquals("cached", source[0]);
    }

    @Test
    void offWritesNothing(@TempDir Path temp) throws Exception {
        Path cache = temp.resolve("cache");
        String[] source = new String[1];
        Path folder = TestModels.bundle("tiny-sd").toAbsolutePath();
        run(folder.resolve("unet").resolve("model.onnx"), folder, TestModels.CPU.withGraphCache(GraphCache.off()), source);
        assertEquals("original", source[0]);
        assertFalse(Files.exists(cache));
    }

    @Test
    void aWholeModelLoadsFromTheCacheTheSecondTime(@TempDir Path temp) throws Exception {
        Path cache = temp.resolve("cache");
        try (ModelBundle first = ModelBundle.open(TestModels.bundle("tiny-sd"), cachedIn(cache))) {
            assertEquals("written", first.unetGraphSource());
        }
        try (ModelBundle second = ModelBundle.open(TestModels.bundle("tiny-sd"), cachedIn(cache))) {
            assertEquals("cached", second.unetGraphSource());
            assertEquals(4, second.info().unetInChannels());
        }
    }

    /** A fake entry: a key file last used {@code ago} before {@code now} and a weights file of {@code bytes}. */
    private static Path entry(Path root, String name, java.time.Instant now, java.time.Duration ago, int bytes) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name));
        Files.write(dir.resolve(OptimizedGraphCache.WEIGHTS), new byte[bytes]);
        Files.writeString(dir.resolve(OptimizedGraphCache.KEY), "format 1\n");
        Files.setLastModifiedTime(dir.resolve(OptimizedGraphCache.KEY), FileTime.from(now.minus(ago)));
        return dir;
    }

    private static List<String> names(Path root) throws IOException {
        try (Stream<Path> list = Files.list(root)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void cleanupRemovesEntriesUnusedForLongThenTheLeastRecentlyUsedBeyondTheSizeButNoneInUse(@TempDir Path root) throws Exception {
        java.time.Instant now = java.time.Instant.parse("2026-06-01T12:00:00Z");
        java.time.Duration day = java.time.Duration.ofDays(1);
        entry(root, "deleted-model", now, day.multipliedBy(40), 10);
        entry(root, "two-days", now, day.multipliedBy(2), 100);
        entry(root, "three-hours", now, java.time.Duration.ofHours(3), 100);
        entry(root, "in-use", now, java.time.Duration.ofMinutes(5), 100);
        Path oldTemporary = Files.createDirectories(root.resolve("abc.tmp-1"));
        Files.setLastModifiedTime(oldTemporary, FileTime.from(now.minus(day.multipliedBy(2))));
        Path writing = Files.createDirectories(root.resolve("def.tmp-2"));
        Files.setLastModifiedTime(writing, FileTime.from(now.minus(java.time.Duration.ofMinutes(1))));

        List<String> removed = OptimizedGraphCache.prune(root, now, java.time.Duration.ofDays(30), 250);
        assertEquals(List.of("abc.tmp-1", "deleted-model", "two-days"), removed.stream().sorted().toList(),
                "unused for 40 days, a write left unfinished, then the oldest while over 250 bytes");
        assertEquals(List.of("def.tmp-2", "in-use", "three-hours"), names(root));

        List<String> tight = OptimizedGraphCache.prune(root, now, java.time.Duration.ofDays(30), 50);
        assertEquals(List.of("three-hours"), tight, "the entry used 5 minutes ago stays although over the size");
        assertEquals(List.of("def.tmp-2", "in-use"), names(root));
    }

    @Test
    void aLoadPrunesTheCacheInTheBackgroundAndMarksItsEntryUsed(@TempDir Path temp) throws Exception {
        Path folder = TestFolders.copy(TestModels.bundle("tiny-sd"), temp.resolve("tiny-sd"));
        Path file = folder.resolve("unet").resolve("model.onnx");
        Path cache = temp.resolve("cache");
        java.time.Instant now = java.time.Instant.now();
        entry(cache, "deleted-model", now, java.time.Duration.ofDays(31), 10);
        String[] source = new String[1];
        run(file, folder, cachedIn(cache), source);
        assertEquals("written", source[0]);
        OptimizedGraphCache.pruneInBackground(cache.toAbsolutePath().normalize()).get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertFalse(Files.exists(cache.resolve("deleted-model")), "an entry unused for 31 days");
        Path key = OptimizedGraphCache.of(file, cachedIn(cache)).entry().resolve(OptimizedGraphCache.KEY);
        Files.setLastModifiedTime(key, FileTime.from(now.minus(java.time.Duration.ofDays(3))));
        run(file, folder, cachedIn(cache), source);
        assertEquals("cached", source[0]);
        assertTrue(Files.getLastModifiedTime(key).toInstant().isAfter(now.minus(java.time.Duration.ofMinutes(5))), "used now");
    }
}
