package dev.emergence.engine.model;

import dev.emergence.engine.runtime.ExecutionOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Creates a model folder's sessions side by side. Session creation reads and optimises each graph on
 * one thread, so the text encoder and VAE decoder load while the UNet does. Each load holds its graph
 * and weights more than once for a while, so the sessions load side by side only when the system's
 * available memory is at least twice their files, and every one has its optimised graph cached already;
 * otherwise, and where memory cannot be read, one after another, each when first asked for. A load that
 * writes optimised graphs to the cache holds much more of each model while it writes (measured in the
 * README's "At SD 1.5 scale" section), so those loads do not stack.
 *
 * <p>Results are handed out in the order asked for, so the first problem reported is the one a
 * sequential load would report.
 */
final class SessionLoader {
    record Part(String relative, ExecutionOptions options) {
    }

    private final ModelBundle.Layout files;
    private final List<Part> parts;
    private final List<Future<OnnxModel>> futures;
    private final boolean[] taken;
    private final ExecutorService pool;

    SessionLoader(ModelBundle.Layout files, List<Part> parts) {
        this.files = files;
        this.parts = List.copyOf(parts);
        this.taken = new boolean[parts.size()];
        if (parallelAllowed(files, parts)) {
            pool = Executors.newFixedThreadPool(parts.size(), r -> {
                Thread t = new Thread(r, "model-session-loader");
                t.setDaemon(true);
                return t;
            });
            futures = new ArrayList<>();
            for (Part p : parts) futures.add(pool.submit(() -> open(p)));
            pool.shutdown();
        } else {
            pool = null;
            futures = null;
        }
    }

    /** Whether loads run side by side (for tests and the benchmark). */
    boolean parallel() {
        return pool != null;
    }

    private OnnxModel open(Part p) throws ModelException {
        return OnnxModel.open(files.path(p.relative()), files.label(p.relative()), p.options(), files.folder);
    }

    /** The session of part {@code i}, added to {@code opened} (which the caller closes on failure). */
    OnnxModel get(int i, List<OnnxModel> opened) throws ModelException {
        taken[i] = true;
        OnnxModel model = futures == null ? open(parts.get(i)) : await(futures.get(i));
        opened.add(model);
        return model;
    }

    /** Waits for the sessions not asked for (after a failure) and adds them to {@code opened} to be closed. */
    void finish(List<OnnxModel> opened) {
        if (futures == null) return;
        for (int i = 0; i < futures.size(); i++) {
            if (taken[i]) continue;
            taken[i] = true;
            try {
                opened.add(await(futures.get(i)));
            } catch (ModelException | RuntimeException ignored) {
                // the first failure is the one reported
            }
        }
    }

    private static OnnxModel await(Future<OnnxModel> future) throws ModelException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the load finishes either way; its session must not leak
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ModelException m) throw m;
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error err) throw err;
            throw new IllegalStateException(cause);
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private static boolean parallelAllowed(ModelBundle.Layout files, List<Part> parts) {
        long available = availableMemory();
        if (available < 0) return false;
        for (Part p : parts) if (writesCache(files, p)) return false;
        long needed = 0;
        for (Part p : parts) {
            Path dir = files.path(p.relative()).getParent();
            try (Stream<Path> list = Files.list(dir)) {
                for (Path f : list.toList()) if (Files.isRegularFile(f)) needed += Files.size(f);
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }
        return available >= 2 * needed;
    }

    /** Whether opening the part writes its optimised graph to the cache (a CPU session whose entry is missing or stale). */
    private static boolean writesCache(ModelBundle.Layout files, Part p) {
        if (p.options().wantsCuda() && dev.emergence.engine.runtime.DeviceProbe.cuda().available()) return false; // not cached
        OptimizedGraphCache cache = OptimizedGraphCache.of(files.path(p.relative()), p.options());
        return cache != null && !cache.matches();
    }

    /** MemAvailable from /proc/meminfo in bytes, or -1 where there is none. */
    static long availableMemory() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/meminfo"))) {
            return lines.filter(l -> l.startsWith("MemAvailable:")).findFirst()
                    .map(l -> Long.parseLong(l.substring(13).replace("kB", "").strip()) * 1024).orElse(-1L);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
