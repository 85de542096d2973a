package dev.emergence.app.studio;

import dev.emergence.app.engine.ModelSummary;
import dev.emergence.app.engine.RunningGeneration;
import dev.emergence.app.engine.StudioEngine;
import dev.emergence.app.engine.TokenCount;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.pipeline.PreviewKind;
import dev.emergence.engine.pipeline.StepListener;
import dev.emergence.engine.tensor.Tensor;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real engine with every step made to last at least {@code stepMillis} (the tiny test models
 * run hundreds of steps a second; a real model takes a second or so per step). The wait happens
 * on the engine thread, in the step callback, exactly where a slow model would spend its time.
 */
final class PacedEngine implements StudioEngine {
    private final StudioEngine real;
    private final long stepMillis;
    final AtomicInteger stepsRun = new AtomicInteger();
    /** Every decode asked for: the tensor and the decoder, in order. */
    final java.util.List<Decode> decodes = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Steps from this index on wait for {@link #release} (a test holds the generation mid-run). */
    volatile int holdFromStep = Integer.MAX_VALUE;
    /** Steps wait for {@link #release} once this many steps have run in all (across generations). */
    volatile int holdAfterSteps = Integer.MAX_VALUE;
    final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

    record Decode(Tensor tensor, PreviewKind kind) {
    }

    /** Decodes asked for, by decoder. */
    final java.util.Map<PreviewKind, AtomicInteger> previewCalls = new java.util.concurrent.ConcurrentHashMap<>();

    PacedEngine(StudioEngine real, long stepMillis) {
        this.real = real;
        this.stepMillis = stepMillis;
    }

    /** Loads wait for this (open unless a test closes it first). */
    volatile java.util.concurrent.CountDownLatch loadGate = new java.util.concurrent.CountDownLatch(0);

    @Override
    public CompletableFuture<ModelSummary> load(Path modelFolder) {
        java.util.concurrent.CountDownLatch gate = loadGate;
        if (gate.getCount() == 0) return real.load(modelFolder);
        return CompletableFuture.runAsync(() -> {
            try {
                gate.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).thenCompose(v -> real.load(modelFolder));
    }

    @Override
    public Optional<ModelSummary> model() {
        return real.model();
    }

    @Override
    public RunningGeneration generate(GenerationRequest request, BufferedImage init, BufferedImage mask,
                                      java.util.List<BufferedImage> controlPictures, StepListener listener) {
        return real.generate(request, init, mask, controlPictures, s -> {
            try {
                Thread.sleep(stepMillis);
                if (s.stepIndex() >= holdFromStep || stepsRun.get() >= holdAfterSteps) release.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stepsRun.incrementAndGet();
            listener.onStep(s);
        });
    }

    @Override
    public CompletableFuture<BufferedImage> preview(Tensor latent, PreviewKind kind) {
        previewCalls.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
        decodes.add(new Decode(latent, kind));
        return real.preview(latent, kind);
    }

    @Override
    public Optional<TokenCount> countTokens(String prompt) {
        return real.countTokens(prompt);
    }

    @Override
    public void close() {
        real.close();
    }
}
