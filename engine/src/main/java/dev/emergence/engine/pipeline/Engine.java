package dev.emergence.engine.pipeline;

import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.model.ModelInfo;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.tensor.Tensor;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The engine as the studio uses it: one dedicated thread that owns the loaded model and runs one
 * generation at a time, so callers (the UI thread) never wait on a model. Models are opened once
 * and their sessions reused until another model is loaded.
 */
public final class Engine implements AutoCloseable {
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "engine");
        t.setDaemon(true);
        return t;
    });
    private volatile LoadedModel model;
    /** Where a prompt's {@code <lora:NAME>} tags are looked up, asked at each generation. */
    private final java.util.function.Supplier<dev.emergence.engine.lora.LoraLibrary> loras;

    /** An engine whose prompts find their LoRAs in the model library's loras folder. */
    public Engine() {
        this(() -> new dev.emergence.engine.lora.LoraLibrary(
                dev.emergence.engine.library.DataFolders.modelsFolder().resolve(dev.emergence.engine.lora.LoraLibrary.FOLDER)));
    }

    /** An engine whose prompts find their LoRAs in the folder {@code loras} gives. */
    public Engine(java.util.function.Supplier<dev.emergence.engine.lora.LoraLibrary> loras) {
        this.loras = loras;
    }
    /** Previews run beside the engine thread: a model is closed only when no preview is using it. */
    private final java.util.concurrent.locks.ReadWriteLock modelUse = new java.util.concurrent.locks.ReentrantReadWriteLock();

    /** Opens a model folder on the engine thread, replacing (and closing) the current one. */
    public CompletableFuture<ModelInfo> load(Path dir, ExecutionOptions options) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                LoadedModel next = LoadedModel.open(dir, options);
                LoadedModel previous;
                modelUse.writeLock().lock();
                try {
                    previous = model;
                    model = next;
                    if (previous != null) previous.close();
                } finally {
                    modelUse.writeLock().unlock();
                }
                return next.info();
            } catch (ModelException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, thread);
    }

    public Optional<LoadedModel> model() { return Optional.ofNullable(model); }

    /**
     * Merges {@code loras} into the loaded model's sessions on the engine thread (after any queued
     * generation), rebuilding only those they change; {@code token} cancels between weights. On failure
     * the model keeps its current sessions.
     */
    public CompletableFuture<dev.emergence.engine.lora.LoraChange> applyLoras(java.util.List<dev.emergence.engine.lora.LoraWeight> loras,
                                                                            dev.emergence.engine.lora.LoraMerger.Progress progress,
                                                                            CancellationToken token) {
        return CompletableFuture.supplyAsync(() -> {
            LoadedModel m = model;
            if (m == null) throw new java.util.concurrent.CompletionException(new ModelException("no model is loaded; load a model folder first"));
            try {
                return m.applyLoras(loras, progress, token);
            } catch (Exception e) {
                throw e instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(e);
            }
        }, thread);
    }

    /**
     * Queues a generation. The listener is called on the engine thread after every step.
     *
     * @param init null for txt2img; @param mask null unless inpainting
     */
    public GenerationJob generate(GenerationRequest request, BufferedImage init, BufferedImage mask, StepListener listener) {
        return generate(request, init, mask, java.util.List.of(), listener);
    }

    /**
     * Queues a generation steered by the request's ControlNets, one picture per
     * {@link GenerationRequest#controls()} (each unit's preprocessor makes its control picture from
     * it). The ControlNets are opened on the engine thread on first use and kept with the model; one
     * that cannot be used fails this job only.
     */
    public GenerationJob generate(GenerationRequest request, BufferedImage init, BufferedImage mask,
                                  java.util.List<BufferedImage> controlPictures, StepListener listener) {
        CancellationToken token = new CancellationToken();
        CompletableFuture<GenerationResult> future = CompletableFuture.supplyAsync(() -> {
            LoadedModel m = model;
            if (m == null) throw new java.util.concurrent.CompletionException(new ModelException("no model is loaded; load a model folder first"));
            try {
                List<String> loraNotices = applyPromptLoras(m, request, listener, token);
                GenerationResult r = request.controls().isEmpty() && controlPictures.isEmpty()
                        ? m.pipeline().generate(request, init, mask, listener, token)
                        : m.pipeline().generate(request, init, mask, m.controlInputs(request, controlPictures), listener, token);
                Map<String, String> hashes = loraHashes(m.appliedLoras());
                if (loraNotices.isEmpty() && hashes.isEmpty()) return r;
                List<String> notices = new java.util.ArrayList<>(loraNotices);
                notices.addAll(r.notices());
                return new GenerationResult(r.request(), r.mode(), r.image(), r.finalLatent(), List.copyOf(notices), r.timings(), hashes);
            } catch (Exception e) {
                throw e instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(e);
            }
        }, thread);
        return new GenerationJob(future, token);
    }

    /**
     * Makes the model carry the LoRAs the prompt's tags name (none: its own weights), rebuilding only the
     * sessions that change; returns the notices (names the library lacks, layers that matched nothing).
     */
    private List<String> applyPromptLoras(LoadedModel m, GenerationRequest request, StepListener listener, CancellationToken token)
            throws Exception {
        if (!request.prompt().contains("<lora:") && m.appliedLoras().isEmpty()) return List.of();
        PromptLoras wanted = PromptLoras.of(request.prompt(), loras.get());
        List<String> notices = new java.util.ArrayList<>(wanted.missing());
        dev.emergence.engine.lora.LoraMerger.Progress progress = (target, done, total) ->
                listener.onPreparing("merging LoRAs into " + target.folderName(), done, total);
        notices.addAll(m.applyLoras(wanted.loras(), progress, token).notices());
        return notices;
    }

    /** A file's short hash, kept while its size and time are unchanged: LoRA files are large and hashed for every picture. */
    private record KnownHash(long size, long modified, String hash) {
    }

    private final Map<Path, KnownHash> hashCache = new java.util.concurrent.ConcurrentHashMap<>();

    /** The LoRAs' {@code Lora hashes} as AUTOMATIC1111 writes them ({@link PromptLoras#hashes}), from the cache where the file is unchanged. */
    private Map<String, String> loraHashes(List<dev.emergence.engine.lora.LoraWeight> applied) throws Exception {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (dev.emergence.engine.lora.LoraWeight w : applied) {
            if (out.containsKey(w.name())) continue;
            java.nio.file.attribute.BasicFileAttributes a = java.nio.file.Files.readAttributes(w.file(),
                    java.nio.file.attribute.BasicFileAttributes.class);
            KnownHash k = hashCache.get(w.file());
            if (k == null || k.size() != a.size() || k.modified() != a.lastModifiedTime().toMillis()) {
                k = new KnownHash(a.size(), a.lastModifiedTime().toMillis(), dev.emergence.engine.lora.LoraLibrary.shortHash(w.file()));
                hashCache.put(w.file(), k);
            }
            out.put(w.name(), k.hash());
        }
        return out;
    }

    /**
     * Decodes a latent for display. Runs beside a generation (ONNX Runtime sessions accept
     * concurrent runs), so scrubbing stays fluid while the picture is still being made.
     */
    public CompletableFuture<BufferedImage> preview(Tensor latent, PreviewKind kind) {
        return CompletableFuture.supplyAsync(() -> {
            modelUse.readLock().lock();
            try {
                LoadedModel m = model;
                if (m == null) throw new java.util.concurrent.CompletionException(new ModelException("no model is loaded"));
                return m.preview(latent, kind);
            } catch (ModelException e) {
                throw new java.util.concurrent.CompletionException(e);
            } finally {
                modelUse.readLock().unlock();
            }
        });
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        modelUse.writeLock().lock();
        try {
            LoadedModel m = model;
            model = null;
            if (m != null) m.close();
        } finally {
            modelUse.writeLock().unlock();
        }
    }
}
