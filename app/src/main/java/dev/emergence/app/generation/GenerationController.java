package dev.emergence.app.generation;

import dev.emergence.app.canvas.CanvasSnapshot;
import dev.emergence.app.engine.EngineErrors;
import dev.emergence.app.engine.ModelSummary;
import dev.emergence.app.engine.RunningGeneration;
import dev.emergence.app.engine.StudioEngine;
import dev.emergence.app.fx.FxImages;
import dev.emergence.app.fx.FxThread;
import dev.emergence.app.gallery.ResultStore;
import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.pipeline.GenerationResult;
import dev.emergence.engine.pipeline.PreviewKind;
import dev.emergence.engine.pipeline.StepListener;
import dev.emergence.engine.pipeline.StepSnapshot;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.scene.image.Image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Runs generations for the studio: submits them to the engine, turns the engine thread's step
 * callbacks into progress and live previews on the JavaFX thread (latest-wins, so a slow screen
 * never slows the generation), records every step for the scrubber, and writes each result to
 * the output folder before handing it to the UI. Its public methods are called on the FX thread;
 * none of them waits for the engine.
 */
public final class GenerationController implements AutoCloseable {
    private final StudioEngine engine;
    private final Executor fx;
    private final ResultStore store;
    private final ExecutorService previewThread = FxThread.worker("preview");
    private final ExecutorService scrubThread = FxThread.worker("scrub-decode");
    private final ExecutorService ioThread = FxThread.worker("results");
    private final StepTimeline timeline = new StepTimeline();
    private final StepImageCache<Image> stepImages;

    private final ReadOnlyObjectWrapper<GenerationState> state = new ReadOnlyObjectWrapper<>(GenerationState.NO_MODEL);
    private final ReadOnlyObjectWrapper<ModelSummary> model = new ReadOnlyObjectWrapper<>();
    private final SimpleDoubleProperty progress = new SimpleDoubleProperty(0);
    private final StringProperty stepLabel = new SimpleStringProperty("");
    private final StringProperty rateLabel = new SimpleStringProperty("");
    private final StringProperty etaLabel = new SimpleStringProperty("");
    private final StringProperty status = new SimpleStringProperty("");
    private final javafx.beans.property.ReadOnlyStringWrapper loading = new javafx.beans.property.ReadOnlyStringWrapper("");
    private final ReadOnlyObjectWrapper<Image> livePreview = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyIntegerWrapper recordedSteps = new ReadOnlyIntegerWrapper(0);
    private final ReadOnlyIntegerWrapper previewsShown = new ReadOnlyIntegerWrapper(0);
    private final ReadOnlyObjectWrapper<Finished> lastResult = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<LiveFrame> liveFrame = new ReadOnlyObjectWrapper<>();
    private final ObjectProperty<PreviewKind> previewKind = new SimpleObjectProperty<>(PreviewKind.TINY_DECODER);
    private final ObjectProperty<ViewChoice> viewChoice = new SimpleObjectProperty<>(ViewChoice.X0);
    /** {@link #viewChoice} for the preview thread: a change applies from the next step it decodes. */
    private volatile ViewChoice liveView = ViewChoice.X0;
    private final IntegerProperty previewStride = new SimpleIntegerProperty(1);

    private final LatestWins<Live> progressToFx;
    private final LatestWins<LiveFrame> previewToFx;
    private final LatestWins<PreviewJob> previewJobs;
    /** Work before the first step (merging LoRAs), shown as the step label until the first step. */
    private final LatestWins<String> preparing;
    private Consumer<String> errors = m -> { };
    private Consumer<String> notices = m -> { };
    private Consumer<Finished> results = r -> { };
    /** The engine run in flight (the base picture, or a hires fix pass, set from the IO thread). */
    private volatile RunningGeneration running;
    /** Cancel was pressed: a hires fix stops before its next pass. */
    private final java.util.concurrent.atomic.AtomicBoolean cancelRequested = new java.util.concurrent.atomic.AtomicBoolean();
    private long runningGeneration = -1;
    private long startedNanos;
    /**
     * The running generation's warm-up note, written by its step listener: the final "step N/N"
     * keeps it even when no progress update reached the FX thread before the result.
     */
    private volatile String warmUpNote = "";

    private record Live(long generation, ProgressStats stats, int recorded) {
    }

    private record PreviewJob(long generation, StepRecord record, PreviewKind kind) {
    }

    /**
     * @param fx where UI updates run: {@code Platform::runLater} in the studio
     */
    public GenerationController(StudioEngine engine, Executor fx, ResultStore store) {
        this.engine = engine;
        this.fx = fx;
        this.store = store;
        this.stepImages = new StepImageCache<>(engine, scrubThread, fx, FxImages::toFx, 400);
        this.progressToFx = new LatestWins<>(fx, this::showProgress);
        this.previewToFx = new LatestWins<>(fx, this::showPreview);
        this.previewJobs = new LatestWins<>(previewThread, this::decodePreview);
        this.preparing = new LatestWins<>(fx, text -> {
            if (state.get() == GenerationState.RUNNING && recordedSteps.get() == 0 && timeline.size() == 0) stepLabel.set(text);
        });
        viewChoice.addListener((o, a, b) -> liveView = b == null ? ViewChoice.X0 : b);
    }

    public void onError(Consumer<String> sink) { this.errors = sink; }

    /** The engine's remarks on a finished picture (size rounded, unknown words). */
    public void onNotice(Consumer<String> sink) { this.notices = sink; }

    public void onResult(Consumer<Finished> sink) { this.results = sink; }

    public ReadOnlyObjectProperty<GenerationState> stateProperty() { return state.getReadOnlyProperty(); }

    public GenerationState state() { return state.get(); }

    public ReadOnlyObjectProperty<ModelSummary> modelProperty() { return model.getReadOnlyProperty(); }

    public DoubleProperty progressProperty() { return progress; }

    public StringProperty stepLabelProperty() { return stepLabel; }

    public StringProperty rateLabelProperty() { return rateLabel; }

    public StringProperty etaLabelProperty() { return etaLabel; }

    public StringProperty statusProperty() { return status; }

    /**
     * What is being loaded or looked for ("tiny-sd", "the model library"), "" when nothing: while
     * it is set, having no model yet is no reason to tell the artist to import one.
     */
    public javafx.beans.property.ReadOnlyStringProperty loadingProperty() { return loading.getReadOnlyProperty(); }

    /** The studio is looking for its first model (reading the model library): said like a load. */
    public void announceLoading(String what) {
        loading.set(what == null ? "" : what);
    }

    /** The newest decoded x0 of the running generation. */
    public ReadOnlyObjectProperty<Image> livePreviewProperty() { return livePreview.getReadOnlyProperty(); }

    /** The newest decoded step of the running generation, in the view chosen when it was decoded. */
    public ReadOnlyObjectProperty<LiveFrame> liveFrameProperty() { return liveFrame.getReadOnlyProperty(); }

    /** What the preview shows of a step (live and scrubbed); the live preview decodes what it names. */
    public ObjectProperty<ViewChoice> viewChoiceProperty() { return viewChoice; }

    /** Steps recorded so far (the scrubber's range). */
    public ReadOnlyIntegerProperty recordedStepsProperty() { return recordedSteps.getReadOnlyProperty(); }

    /** How many live previews reached the screen in this generation (fewer than steps when the screen is slower). */
    public ReadOnlyIntegerProperty previewsShownProperty() { return previewsShown.getReadOnlyProperty(); }

    public ReadOnlyObjectProperty<Finished> lastResultProperty() { return lastResult.getReadOnlyProperty(); }

    public ObjectProperty<PreviewKind> previewKindProperty() { return previewKind; }

    public IntegerProperty previewStrideProperty() { return previewStride; }

    public StepTimeline timeline() { return timeline; }

    public StepImageCache<Image> stepImages() { return stepImages; }

    public ResultStore store() { return store; }

    // ---- model

    /** Loads a model folder; on failure the previous model (if any) stays and the reason is reported. */
    public CompletableFuture<ModelSummary> loadModel(Path folder) {
        if (state.get().busy()) {
            errors.accept("the engine is busy; load the model when the generation has finished");
            return CompletableFuture.failedFuture(new IllegalStateException("busy"));
        }
        GenerationState before = state.get();
        state.set(GenerationState.LOADING_MODEL);
        status.set("Loading " + folder.getFileName() + "…");
        loading.set(folder.getFileName().toString());
        CompletableFuture<ModelSummary> f = engine.load(folder);
        f.whenComplete((summary, err) -> fx.execute(() -> {
            loading.set("");
            if (err != null) {
                state.set(before == GenerationState.LOADING_MODEL ? GenerationState.NO_MODEL : before);
                status.set("Model not loaded");
                errors.accept("model " + folder.getFileName() + ": " + EngineErrors.message(err));
            } else {
                model.set(summary);
                state.set(GenerationState.READY);
                status.set("Model " + summary.name() + " ready on " + summary.device());
            }
        }));
        return f;
    }

    // ---- generation

    /**
     * Starts a generation from the canvas: its mode decides txt2img, img2img or inpainting.
     * Returns false (and says why) when it cannot start.
     */
    public boolean generate(GenerationRequest request, CanvasSnapshot canvas) {
        return generate(request, canvas, canvas.mode(), c -> java.util.List.of());
    }

    /**
     * Starts a generation from the canvas in {@code mode}, steered by the request's ControlNets.
     *
     * @param controlPictures the ControlNets' pictures from the snapshot, one per {@code request.controls()};
     *                        made off the JavaFX thread
     */
    public boolean generate(GenerationRequest request, CanvasSnapshot canvas, GenerationMode mode,
                            java.util.function.Function<CanvasSnapshot, java.util.List<BufferedImage>> controlPictures) {
        return generate(request, canvas, mode, controlPictures, Double.NaN);
    }

    /**
     * As above; with {@code hiresStrength} a number, the picture is then refined by the hires fix
     * ({@link HiresFix}: 2× Lanczos, img2img tiles at that strength) before it is written and shown.
     */
    public boolean generate(GenerationRequest request, CanvasSnapshot canvas, GenerationMode mode,
                            java.util.function.Function<CanvasSnapshot, java.util.List<BufferedImage>> controlPictures,
                            double hiresStrength) {
        if (state.get() != GenerationState.READY) {
            errors.accept(state.get() == GenerationState.NO_MODEL ? "no model: import one first" : "the engine is busy");
            return false;
        }
        long gen = timeline.reset();
        cancelRequested.set(false);
        stepImages.clear();
        runningGeneration = gen;
        startedNanos = System.nanoTime();
        recordedSteps.set(0);
        warmUpNote = "";
        previewsShown.set(0);
        progress.set(0);
        stepLabel.set("starting");
        rateLabel.set("");
        etaLabel.set("");
        livePreview.set(null);
        liveFrame.set(null);
        state.set(GenerationState.RUNNING);
        status.set("Generating (" + modeLabel(mode) + ")…");

        PreviewKind kind = previewKind.get();
        int stride = Math.max(1, previewStride.get());
        StepListener listener = new StepListener() {
            private Duration firstDone = Duration.ZERO;

            @Override
            public void onStep(StepSnapshot s) {
                if (s.stepIndex() == 0) firstDone = s.elapsed();
                StepRecord record = new StepRecord(s.stepIndex(), s.stepCount(), s.timestep(), s.sigma(), s.latent(), s.x0());
                timeline.add(gen, record);
                ProgressStats stats = ProgressStats.of(s, firstDone, request.scheduler());
                warmUpNote = stats.warmUpNote();
                progressToFx.offer(new Live(gen, stats, s.stepIndex() + 1));
                if (s.stepIndex() % stride == 0 || s.stepIndex() == s.stepCount() - 1) {
                    previewJobs.offer(new PreviewJob(gen, record, kind));
                }
            }

            @Override
            public void onPreparing(String what, int done, int total) {
                preparing.offer(what + " " + done + "/" + total);
            }
        };
        // The init and mask pictures are built from the snapshot's copies off the FX thread (taking
        // the snapshot was a quick array copy on it).
        CompletableFuture<RunningGeneration> started = CompletableFuture.supplyAsync(() -> {
            BufferedImage init = mode == GenerationMode.TXT2IMG ? null : canvas.initImage();
            BufferedImage mask = mode == GenerationMode.INPAINT ? canvas.maskImage() : null;
            return engine.generate(request, init, mask, controlPictures.apply(canvas), listener);
        }, ioThread);
        started.whenComplete((job, err) -> fx.execute(() -> {
            if (err != null) {
                failed(gen, err);
                return;
            }
            running = job;
            if (state.get() == GenerationState.CANCELLING) job.cancel();
            job.result().handleAsync((result, failure) -> {
                if (failure != null) {
                    fx.execute(() -> failed(gen, failure));
                    return null;
                }
                GenerationResult done = result;
                if (!Double.isNaN(hiresStrength)) {
                    try {
                        done = hires(result, hiresStrength);
                    } catch (Exception e) {
                        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                        fx.execute(() -> failed(gen, cause));
                        return null;
                    }
                }
                Finished f = persist(done);
                fx.execute(() -> finished(gen, f));
                return null;
            }, ioThread);
        }));
        return true;
    }

    /** Stops the running generation within one step; the steps so far stay scrubbable. */
    public void cancel() {
        if (state.get() != GenerationState.RUNNING) return;
        state.set(GenerationState.CANCELLING);
        status.set("Cancelling…");
        cancelRequested.set(true);
        RunningGeneration r = running;
        if (r != null) r.cancel();
    }

    /** The hires fix's passes, one after another on the IO thread, each shown as progress and stopped by Cancel. */
    private GenerationResult hires(GenerationResult base, double strength) throws Exception {
        java.awt.image.BufferedImage img = HiresFix.refine(base, strength, (req, init, i, n) -> {
            if (cancelRequested.get()) throw new java.util.concurrent.CancellationException("cancelled");
            fx.execute(() -> {
                stepLabel.set("hires fix: tile " + (i + 1) + "/" + n);
                status.set("Hires fix: tile " + (i + 1) + " of " + n + "…");
                progress.set((double) i / n);
            });
            RunningGeneration job = engine.generate(req, init, null, StepListener.NONE);
            running = job;
            if (cancelRequested.get()) job.cancel();
            return job.result().join().image();
        });
        java.util.List<String> notices = new java.util.ArrayList<>(base.notices());
        notices.add("hires fix: " + base.image().getWidth() + "x" + base.image().getHeight() + " upscaled 2x (Lanczos) to "
                + img.getWidth() + "x" + img.getHeight() + " and refined in tiles at strength " + strength);
        return new GenerationResult(base.request(), base.mode(), img, base.finalLatent(), notices, base.timings(), base.loraHashes());
    }

    /** Writes the result before anything shows it; then the pictures for the screen. Runs on the IO thread. */
    private Finished persist(GenerationResult result) {
        Path file = null;
        String saveError = null;
        try {
            file = store.save(result);
        } catch (IOException | RuntimeException e) {
            saveError = "could not write the result to " + store.folder() + ": " + EngineErrors.message(e);
        }
        return new Finished(result, file, FxImages.toFx(result.image()), FxImages.thumbnail(result.image(), 96), saveError);
    }

    private void finished(long gen, Finished f) {
        running = null;
        progressToFx.clear();
        previewToFx.clear();
        state.set(GenerationState.READY);
        recordedSteps.set(timeline.size());
        progress.set(1);
        GenerationResult r = f.result();
        double secs = (System.nanoTime() - startedNanos) / 1e9;
        stepLabel.set("step " + timeline.size() + "/" + timeline.size() + warmUpNote);
        etaLabel.set("done");
        status.set(String.format(Locale.ROOT, "Done in %.1f s: %s, seed %d%s", secs, modeLabel(r.mode()), r.request().seed(),
                f.file() != null ? " · saved " + f.file().getFileName() : ""));
        if (f.saveError() != null) errors.accept(f.saveError());
        for (String notice : r.notices()) notices.accept(notice);
        lastResult.set(f);
        results.accept(f);
    }

    private void failed(long gen, Throwable err) {
        running = null;
        progressToFx.clear();
        recordedSteps.set(timeline.size());
        state.set(model.get() == null ? GenerationState.NO_MODEL : GenerationState.READY);
        if (EngineErrors.isCancellation(err)) {
            status.set("Cancelled after " + timeline.size() + " step" + (timeline.size() == 1 ? "" : "s"));
            etaLabel.set("cancelled");
        } else {
            String m = EngineErrors.message(err);
            status.set("Failed: " + m);
            etaLabel.set("failed");
            errors.accept("generation failed: " + m);
        }
    }

    // ---- live updates (engine thread → preview thread → FX thread)

    /**
     * Decodes a step for the live preview in the view chosen now (so switching x0 / latent / both
     * during a run applies from the next step decoded); the pictures go into the step cache too,
     * so scrubbing back to them, or switching the view to one already decoded, needs no decoding.
     */
    private void decodePreview(PreviewJob job) {
        if (job.generation() != timeline.generation()) return;
        ViewChoice view = liveView;
        try {
            Image x0 = view.wants(StepRecord.View.X0) ? decodeStep(job, StepRecord.View.X0) : null;
            Image latent = view.wants(StepRecord.View.LATENT) ? decodeStep(job, StepRecord.View.LATENT) : null;
            previewToFx.offer(new LiveFrame(job.generation(), job.record().index(), x0, latent));
        } catch (RuntimeException e) {
            // A preview that cannot be decoded is skipped; the generation itself reports real failures.
        }
    }

    private Image decodeStep(PreviewJob job, StepRecord.View view) {
        StepImageCache.Key key = new StepImageCache.Key(job.generation(), job.record().index(), view, job.kind());
        Image cached = stepImages.cached(key);
        if (cached != null) return cached;
        Image img = FxImages.toFx(engine.preview(job.record().tensor(view), job.kind()).join());
        stepImages.put(key, img);
        return img;
    }

    private void showProgress(Live live) {
        if (live.generation() != runningGeneration || !state.get().busy()) return;
        ProgressStats s = live.stats();
        progress.set(s.fraction());
        stepLabel.set(s.stepLabel());
        rateLabel.set(s.rateLabel());
        etaLabel.set(s.etaLabel());
        recordedSteps.set(live.recorded());
    }

    private void showPreview(LiveFrame p) {
        if (p.generation() != runningGeneration) return;
        liveFrame.set(p);
        livePreview.set(p.main());
        previewsShown.set(previewsShown.get() + 1);
    }

    private static String modeLabel(GenerationMode m) {
        return switch (m) {
            case TXT2IMG -> "text to image";
            case IMG2IMG -> "image to image";
            case INPAINT -> "inpainting";
        };
    }

    @Override
    public void close() {
        if (running != null) running.cancel();
        previewThread.shutdownNow();
        scrubThread.shutdownNow();
        ioThread.shutdown();
    }
}
