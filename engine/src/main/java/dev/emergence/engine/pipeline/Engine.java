package dev.emergence.engine.pipeline;

import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.model.ModelInfo;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.tensor.Tensor;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
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
        CancellationToken token = new CancellationToken();
        CompletableFuture<GenerationResult> future = CompletableFuture.supplyAsync(() -> {
            LoadedModel m = model;
            if (m == null) throw new java.util.concurrent.CompletionException(new ModelException("no model is loaded; load a model folder first"));
            try {
                return m.pipeline().generate(request, init, mask, listener, token);
            } catch (Exception e) {
                throw e instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(e);
            }
        }, thread);
        return new GenerationJob(future, token);
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
