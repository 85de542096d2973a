package dev.emergence.engine.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.emergence.engine.io.AtomicFiles;
import dev.emergence.engine.runtime.CpuMemory;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.runtime.GraphCache;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.stream.Stream;

/**
 * ONNX Runtime's optimised graph of a model file, kept in the user's cache ({@link GraphCache}) so that a
 * second start loads it with graph optimisation off instead of optimising the original again.
 *
 * <p>One entry per model file (a folder named by a hash of the file's real path), holding the optimised
 * graph, its weights as external data (graphs over 2 GiB cannot be one protobuf message) and a key: the
 * format, ONNX Runtime's version, the machine (the optimised graph may use this CPU's kernels' layouts),
 * the options that shape the graph, and the size, modification time and a hash of the graph file and the
 * size and modification time of each external-data file. An entry whose key differs, or that ONNX Runtime
 * cannot load, is replaced. Entries are written under a temporary name and renamed into place, so a
 * reader never sees half of one.
 *
 * <p>Only CPU sessions of a model file, with its own weights, are cached: merged LoRA weights and graphs
 * changed in memory are not what the file holds.
 *
 * <p>An entry's key file is touched whenever the entry is used, so its modification time says when it was
 * last used; {@link #prune} removes the entries unused for long and the least recently used beyond a total
 * size, on a background thread once per process and cache folder ({@link #pruneInBackground}).
 */
final class OptimizedGraphCache {
    static final String GRAPH = "model.onnx";
    static final String WEIGHTS = "weights.bin";
    static final String KEY = "key.txt";
    private static final int FORMAT = 1;
    /** The graph file is hashed whole up to this size, else its first and last {@value #HASHED_ENDS} bytes. */
    private static final long HASHED_WHOLE = 256L << 20;
    private static final int HASHED_ENDS = 16 << 20;
    /** Initializers of at least this size go to the external weights file. */
    private static final String EXTERNAL_MIN_BYTES = "1024";
    private static final String EXTERNAL_FILE_KEY = "session.optimized_model_external_initializers_file_name";
    private static final String EXTERNAL_MIN_KEY = "session.optimized_model_external_initializers_min_size_in_bytes";

    /** What a session was made from: the cache's graph, or the original (and whether an entry was written). */
    enum Source { CACHED, WRITTEN, ORIGINAL }

    record Opened(OrtSession session, Source source) {
    }

    private final Path root;
    private final Path entry;
    private final String key;

    private OptimizedGraphCache(Path root, Path entry, String key) {
        this.root = root;
        this.entry = entry;
        this.key = key;
    }

    /** The cache entry of {@code file} for these options, or null when it is not cached (off, or not readable). */
    static OptimizedGraphCache of(Path file, ExecutionOptions options) {
        GraphCache cache = options.graphCache();
        if (!cache.enabled()) return null;
        try {
            Path real = file.toRealPath();
            String key = keyOf(real, options);
            String name = sha256(real.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 24);
            return new OptimizedGraphCache(cache.folder(), cache.folder().resolve(name), key);
        } catch (IOException | RuntimeException e) {
            return null; // the model still opens, uncached
        }
    }

    Path entry() {
        return entry;
    }

    /**
     * A session of the cached graph when the entry matches, else of the original file with the optimised
     * graph written to a new entry. A corrupt or stale entry is removed and rebuilt. {@code configure}
     * makes fresh session options each time (they are closed here).
     */
    Opened open(OrtEnvironment env, Path original, SessionOptionsFactory configure) throws OrtException {
        if (matches()) {
            try (OrtSession.SessionOptions options = configure.create()) {
                // The graph is optimised already; optimising it again is the work the cache saves.
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
                OrtSession session = env.createSession(entry.resolve(GRAPH).toString(), options);
                touch(entry);
                pruneInBackground(root);
                return new Opened(session, Source.CACHED);
            } catch (OrtException e) {
                deleteQuietly(entry); // unreadable: rebuilt below
            }
        }
        Path temporary;
        try {
            Files.createDirectories(root);
            temporary = Files.createTempDirectory(root, entry.getFileName() + ".tmp-");
        } catch (IOException e) {
            return new Opened(plain(env, original, configure), Source.ORIGINAL);
        }
        OrtSession session;
        try (OrtSession.SessionOptions options = configure.create()) {
            options.setOptimizedModelFilePath(temporary.resolve(GRAPH).toString());
            options.addConfigEntry(EXTERNAL_FILE_KEY, WEIGHTS);
            options.addConfigEntry(EXTERNAL_MIN_KEY, EXTERNAL_MIN_BYTES);
            session = env.createSession(original.toString(), options);
        } catch (OrtException e) {
            // Writing the optimised graph failed (a full disk, say): the model itself may still load.
            deleteQuietly(temporary);
            return new Opened(plain(env, original, configure), Source.ORIGINAL);
        }
        try {
            AtomicFiles.writeString(temporary.resolve(KEY), key);
            install(temporary);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temporary);
            return new Opened(session, Source.ORIGINAL);
        }
        pruneInBackground(root);
        return new Opened(fromEntry(env, session, original, configure), Source.WRITTEN);
    }

    /**
     * The session that wrote the entry replaced by one made from the entry, as every later start makes it:
     * at SD 1.5 scale a session made from the original file peaked 0.7–0.8 GiB higher while the UNet ran than
     * one made from the entry (README). The writer is closed
     * first, so the two are never resident together; should the entry not load, the original is loaded again.
     */
    private OrtSession fromEntry(OrtEnvironment env, OrtSession writer, Path original, SessionOptionsFactory configure)
            throws OrtException {
        writer.close();
        try (OrtSession.SessionOptions options = configure.create()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            return env.createSession(entry.resolve(GRAPH).toString(), options);
        } catch (OrtException e) {
            deleteQuietly(entry);
            return plain(env, original, configure);
        }
    }

    interface SessionOptionsFactory {
        OrtSession.SessionOptions create() throws OrtException;
    }

    private static OrtSession plain(OrtEnvironment env, Path original, SessionOptionsFactory configure) throws OrtException {
        try (OrtSession.SessionOptions options = configure.create()) {
            return env.createSession(original.toString(), options);
        }
    }

    /** True when the entry holds a graph written for this key (its weights file too, when it has one). */
    boolean matches() {
        try {
            Path graph = entry.resolve(GRAPH);
            if (!Files.isRegularFile(graph) || !Files.isRegularFile(entry.resolve(KEY))) return false;
            if (!Files.readString(entry.resolve(KEY), StandardCharsets.UTF_8).equals(key)) return false;
            // The graph's external data must be the entry's own weights file.
            for (OnnxExternalData.Reference ref : OnnxExternalData.read(graph)) {
                if (!WEIGHTS.equals(ref.location()) || !Files.isRegularFile(entry.resolve(WEIGHTS))) return false;
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Moves the finished temporary folder into place, the entry it replaces aside and then away. */
    private void install(Path temporary) throws IOException {
        Path old = null;
        if (Files.exists(entry)) {
            old = entry.resolveSibling(entry.getFileName() + ".old-" + Long.toHexString(System.nanoTime()));
            Files.move(entry, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(temporary, entry, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the cache folder cannot rename atomically", e);
        } finally {
            if (old != null) deleteQuietly(old);
        }
    }

    /** Marks the entry as used now (its key file's modification time), for {@link #prune}. */
    private static void touch(Path entry) {
        try {
            Files.setLastModifiedTime(entry.resolve(KEY), FileTime.from(Instant.now()));
        } catch (IOException | RuntimeException e) {
            // it then looks older than it is; at worst it is rebuilt after a cleanup
        }
    }

    /** The cache folders pruned in this process, each once. */
    private static final Map<Path, Future<?>> PRUNED = new ConcurrentHashMap<>();

    /**
     * Prunes {@code root} ({@link #prune} with {@link GraphCache}'s bounds) on a daemon thread, the first
     * time this process uses it; loading never waits for it.
     */
    static Future<?> pruneInBackground(Path root) {
        return PRUNED.computeIfAbsent(root, r -> {
            FutureTask<Void> task = new FutureTask<>(() -> {
                prune(r, Instant.now(), GraphCache.MAX_UNUSED, GraphCache.MAX_BYTES);
                return null;
            });
            Thread t = new Thread(task, "graph-cache-cleanup");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            t.start();
            return task;
        });
    }

    /** An entry used within this long is never removed: another load may be reading it. */
    static final Duration IN_USE = Duration.ofHours(1);
    /** A temporary or replaced folder this old is a leftover of a write that did not finish. */
    static final Duration LEFTOVER = Duration.ofDays(1);

    /**
     * Removes from {@code root} the entries not used since {@code now - maxUnused}, then the least recently
     * used while all of them take more than {@code maxBytes}, never one used within {@link #IN_USE}; and
     * leftovers of unfinished writes older than {@link #LEFTOVER}. An entry is first renamed aside, so a
     * reader never sees half of one.
     *
     * @return the entries removed (their folder names)
     */
    static List<String> prune(Path root, Instant now, Duration maxUnused, long maxBytes) {
        List<String> removed = new java.util.ArrayList<>();
        record Entry(Path dir, Instant used, long bytes) {
        }
        List<Entry> entries = new java.util.ArrayList<>();
        try (Stream<Path> list = Files.list(root)) {
            for (Path dir : list.filter(Files::isDirectory).toList()) {
                String name = dir.getFileName().toString();
                Path key = dir.resolve(KEY);
                boolean leftover = name.contains(".tmp-") || name.contains(".old-") || !Files.isRegularFile(key);
                Instant used = Files.getLastModifiedTime(leftover ? dir : key).toInstant();
                if (leftover) {
                    if (used.isBefore(now.minus(LEFTOVER))) {
                        deleteQuietly(dir);
                        removed.add(name);
                    }
                } else {
                    entries.add(new Entry(dir, used, sizeOf(dir)));
                }
            }
        } catch (IOException | RuntimeException e) {
            return removed; // an unreadable cache folder is left as it is
        }
        entries.sort(java.util.Comparator.comparing(Entry::used));
        long total = entries.stream().mapToLong(Entry::bytes).sum();
        for (Entry e : entries) {
            boolean stale = e.used().isBefore(now.minus(maxUnused));
            if (!stale && total <= maxBytes) continue;
            if (!e.used().isBefore(now.minus(IN_USE))) continue;
            if (remove(e.dir())) {
                removed.add(e.dir().getFileName().toString());
                total -= e.bytes();
            }
        }
        return removed;
    }

    /** Renames the entry aside (so no reader finds half of it) and deletes it. */
    private static boolean remove(Path entry) {
        Path aside = entry.resolveSibling(entry.getFileName() + ".old-" + Long.toHexString(System.nanoTime()));
        try {
            Files.move(entry, aside, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            return false;
        }
        deleteQuietly(aside);
        return true;
    }

    private static long sizeOf(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            long sum = 0;
            for (Path f : files.filter(Files::isRegularFile).toList()) sum += Files.size(f);
            return sum;
        }
    }

    /** The key of {@code file} (a real path) for these options; any change to it means the entry is rebuilt. */
    static String keyOf(Path file, ExecutionOptions options) throws IOException {
        StringBuilder k = new StringBuilder();
        k.append("format ").append(FORMAT).append('\n');
        k.append("onnxruntime ").append(OrtEnvironment.getEnvironment().getVersion()).append('\n');
        k.append("machine ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch"))
                .append(' ').append(cpuModel()).append('\n');
        CpuMemory memory = options.cpuMemory();
        // The provider and the optimisation level shape the graph; threads and arenas do not.
        k.append("provider cpu; optimization all; prepacking ").append(memory.prepacking()).append('\n');
        k.append(describe(file)).append(" sha256 ").append(hashOf(file)).append('\n');
        Set<String> locations = new LinkedHashSet<>();
        for (OnnxExternalData.Reference ref : OnnxExternalData.read(file)) {
            if (ref.location() != null) locations.add(ref.location());
        }
        Path base = file.getParent();
        for (String location : locations) k.append("external ").append(location).append(' ').append(describe(base.resolve(location))).append('\n');
        return k.toString();
    }

    private static String describe(Path p) throws IOException {
        return p.getFileName() + " " + Files.size(p) + " bytes, modified " + Files.getLastModifiedTime(p).toMillis();
    }

    /** Hashes by file, size and modification time: a load asks twice (whether to load side by side, then to open). */
    private static final Map<String, String> HASHES = new ConcurrentHashMap<>();

    /** SHA-256 of the file, or of its size and first and last bytes when it is large (a graph with its weights inside). */
    private static String hashOf(Path file) throws IOException {
        String id = file + " " + describe(file);
        String known = HASHES.get(id);
        if (known != null) return known;
        String hash = computeHash(file);
        HASHES.put(id, hash);
        return hash;
    }

    private static String computeHash(Path file) throws IOException {
        MessageDigest digest = sha256();
        long size = Files.size(file);
        try (InputStream in = Files.newInputStream(file)) {
            if (size <= HASHED_WHOLE) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
            } else {
                digest.update(Long.toString(size).getBytes(StandardCharsets.US_ASCII));
                digest.update(in.readNBytes(HASHED_ENDS));
                in.skipNBytes(size - 2L * HASHED_ENDS);
                digest.update(in.readNBytes(HASHED_ENDS));
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The CPU's model name from /proc/cpuinfo, where there is one. */
    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.toLowerCase(Locale.ROOT).startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown cpu");
        } catch (IOException | RuntimeException e) {
            return "unknown cpu";
        }
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException | RuntimeException e) {
            // a leftover is replaced or removed on the next write
        }
    }

    /** Every file an entry holds, for tests. */
    List<Path> files() throws IOException {
        try (Stream<Path> list = Files.list(entry)) {
            return list.sorted().toList();
        }
    }
}
