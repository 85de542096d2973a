package dev.emergence.app.session;

import dev.emergence.app.canvas.CanvasDocument;
import dev.emergence.app.control.ControlLayer;
import dev.emergence.app.control.ControlSource;
import dev.emergence.app.control.ControlStack;
import dev.emergence.engine.control.PreprocessorKind;
import dev.emergence.engine.library.ControlNetEntry;
import dev.emergence.app.canvas.Layer;
import dev.emergence.app.canvas.LayerId;
import dev.emergence.app.canvas.Tool;
import dev.emergence.app.canvas.ToolSettings;
import dev.emergence.app.engine.EngineErrors;
import dev.emergence.app.engine.ModelSummary;
import dev.emergence.app.fx.FxThread;
import dev.emergence.app.generation.GenerationController;
import dev.emergence.app.params.Parameters;
import dev.emergence.engine.pipeline.PreviewKind;
import dev.emergence.engine.scheduler.ScheduleType;
import dev.emergence.engine.scheduler.SchedulerKind;
import javafx.animation.PauseTransition;
import javafx.application.Platform;
import javafx.stage.Stage;
import javafx.util.Duration;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Keeps the session on disk: restores it at start, then autosaves the canvas shortly after every
 * change (so a crash loses at most the last stroke) and the parameters, tools, model and window
 * after they settle; writes everything once more on closing. The files are written on a worker
 * thread from copies taken on the FX thread.
 */
public final class SessionKeeper {
    /**
     * What the rest of the studio needs from the session besides what this class applies itself.
     *
     * @param damageNotice the status-bar line naming the damaged files kept aside, when there were any
     */
    public record Restored(Optional<SessionState> state, boolean schedulerChosen, Optional<String> damageNotice) {
        public static Restored none() {
            return new Restored(Optional.empty(), false, Optional.empty());
        }
    }

    private final SessionStore store;
    private final Parameters params;
    private final ToolSettings tools;
    private final CanvasDocument canvas;
    private final GenerationController gc;
    private final ControlStack controls;
    private final dev.emergence.app.frame.FrameGenerations frames;
    private final Supplier<Path> shownFile;
    private final Consumer<String> errors;
    private final ExecutorService worker = FxThread.worker("autosave");
    /** The PNGs of the layers as last autosaved. */
    private final dev.emergence.app.project.LayerPngCache pngs = new dev.emergence.app.project.LayerPngCache();
    private final PauseTransition layersSave = new PauseTransition(Duration.millis(250));
    private final PauseTransition stateSave = new PauseTransition(Duration.millis(400));
    private Stage stage;
    /** True while the saved session is applied (what is being restored is not saved back). */
    private boolean restoring;
    private boolean closed;
    /** The window's place before it was maximised, so un-maximising next time returns there. */
    private WindowGeometry beforeMaximised;

    /**
     * @param shownFile      the picture file on display, or null
     */
    public SessionKeeper(SessionStore store, Parameters params, ToolSettings tools, CanvasDocument canvas,
                         GenerationController gc, ControlStack controls, dev.emergence.app.frame.FrameGenerations frames,
                         Supplier<Path> shownFile, Consumer<String> errors) {
        this.frames = frames;
        this.store = store;
        this.params = params;
        this.tools = tools;
        this.canvas = canvas;
        this.gc = gc;
        this.controls = controls;
        this.shownFile = shownFile;
        this.errors = errors;
    }

    /**
     * Applies the saved session (parameters, tools, canvas layers), as much of it as is readable;
     * call before the autosave starts, so that a damaged file is moved aside before anything is
     * written over it. Only the fields the file holds are applied: the others keep their defaults.
     */
    public Restored restore() {
        restoring = true;
        boolean[] scheduler = {false};
        SessionStore.Loaded loaded = store.load();
        Optional<SessionState> saved = loaded.state();
        try {
            saved.ifPresent(s -> {
                if (s.prompt() != null) params.promptProperty().set(s.prompt());
                if (s.negativePrompt() != null) params.negativePromptProperty().set(s.negativePrompt());
                if (s.cfg() != null) params.cfgProperty().set(Parameters.CFG.snap(s.cfg()));
                if (s.steps() != null) params.stepsProperty().set((int) Parameters.STEPS.snap(s.steps()));
                if (s.seed() != null) params.seedProperty().set(Math.max(0, s.seed()));
                if (s.seedLocked() != null) params.seedLockedProperty().set(s.seedLocked());
                if (s.strength() != null) params.strengthProperty().set(Parameters.STRENGTH.snap(s.strength()));
                if (s.feather() != null) params.featherProperty().set((int) Parameters.FEATHER.snap(s.feather()));
                SchedulerKind.parse(s.scheduler()).ifPresent(k -> {
                    params.schedulerProperty().set(k);
                    scheduler[0] = true;
                });
                // After the sampler, which sets it back to Automatic when it does not take it.
                ScheduleType.parse(s.schedule()).ifPresent(params.scheduleProperty()::set);
                if (s.clipSkip() != null) params.clipSkipProperty().set((int) Parameters.CLIP_SKIP.snap(s.clipSkip()));
                if (s.batchCount() != null) params.batchCountProperty().set((int) Parameters.BATCH_COUNT.snap(s.batchCount()));
                parseEnum(PreviewKind.class, s.previewKind()).ifPresent(gc.previewKindProperty()::set);
                if (s.previewStride() != null && s.previewStride() >= 1) gc.previewStrideProperty().set(Math.min(50, s.previewStride()));
                parseEnum(Tool.class, s.tool()).ifPresent(tools.toolProperty()::set);
                if (s.brushSize() != null && s.brushSize() > 0) tools.sizeProperty().set(s.brushSize());
                if (s.brushHardness() != null) tools.hardnessProperty().set(Math.max(0, Math.min(1, s.brushHardness())));
                if (s.brushOpacity() != null && s.brushOpacity() > 0) tools.opacityProperty().set(Math.min(1, s.brushOpacity()));
                if (s.brushColor() != null) tools.colorProperty().set(s.brushColor() & 0xffffff);
                if (s.frame() != null) restoreFrame(s.frame());
                if (s.controls() != null) controls.whileRestoring(() -> s.controls().stream().filter(java.util.Objects::nonNull)
                        .limit(dev.emergence.engine.pipeline.GenerationRequest.MAX_CONTROLS).forEach(this::restoreControl));
            });
            if (loaded.document().isPresent()) {
                loaded.document().get().document().restoreInto(canvas);
                frames.restore(loaded.document().get().generations());
            } else {
                loaded.layers().ifPresent(l -> canvas.restore(l[0], l[1]));
            }
        } finally {
            restoring = false;
        }
        return new Restored(saved, scheduler[0], loaded.damaged() ? Optional.of(loaded.notice()) : Optional.empty());
    }

    /** One ControlNet card as saved; its opened picture is read again off the FX thread (a missing file leaves it unset). */
    private void restoreControl(ControlState c) {
        ControlLayer l = controls.add();
        if (c.enabled() != null) l.enabledProperty().set(c.enabled());
        if (c.model() != null) {
            Path folder = Path.of(c.model());
            l.modelProperty().set(new ControlNetEntry(folder.getFileName() == null ? c.model() : folder.getFileName().toString(), folder));
        }
        parseEnum(ControlSource.class, c.source()).ifPresent(l.sourceProperty()::set);
        if (c.preprocessor() != null) PreprocessorKind.parse(c.preprocessor()).ifPresent(l.preprocessorProperty()::set);
        if (c.weight() != null) l.weightProperty().set(ControlLayer.WEIGHT.snap(c.weight()));
        if (c.start() != null) l.startProperty().set(ControlLayer.FRACTION.snap(c.start()));
        if (c.end() != null) l.endProperty().set(ControlLayer.FRACTION.snap(c.end()));
        if (c.cannyLow() != null) l.cannyLowProperty().set(ControlLayer.THRESHOLD.snap(c.cannyLow()));
        if (c.cannyHigh() != null) l.cannyHighProperty().set(ControlLayer.THRESHOLD.snap(c.cannyHigh()));
        if (c.pictureFile() != null) {
            Path file = Path.of(c.pictureFile());
            l.pictureFileProperty().set(file);
            l.pictureNameProperty().set(file.getFileName() == null ? c.pictureFile() : file.getFileName().toString());
            worker.execute(() -> {
                java.awt.image.BufferedImage img = null;
                try {
                    img = javax.imageio.ImageIO.read(file.toFile());
                } catch (IOException | RuntimeException e) {
                    img = null;
                }
                java.awt.image.BufferedImage read = img;
                Platform.runLater(() -> {
                    if (read != null) l.pictureProperty().set(read);
                    else errors.accept("the ControlNet picture " + file + " could not be read again; open it once more");
                });
            });
        }
    }

    /** Names written by an older or newer studio that this one does not know are skipped. */
    private static <E extends Enum<E>> Optional<E> parseEnum(Class<E> type, String name) {
        if (name == null) return Optional.empty();
        try {
            return Optional.of(Enum.valueOf(type, name));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Starts autosaving: the canvas after each change, the rest after it settles. */
    public void start(Stage stage) {
        this.stage = stage;
        layersSave.setOnFinished(e -> saveLayers());
        stateSave.setOnFinished(e -> saveState());
        canvas.revisionProperty().addListener((o, a, b) -> {
            if (!restoring && !closed) layersSave.playFromStart();
        });
        for (var p : params.all()) p.addListener(o -> changed());
        tools.toolProperty().addListener(o -> changed());
        controls.layers().addListener((javafx.collections.ListChangeListener<ControlLayer>) c -> changed());
        tools.sizeProperty().addListener(o -> changed());
        tools.colorProperty().addListener(o -> changed());
        gc.previewKindProperty().addListener(o -> changed());
        frames.optionsProperty().addListener(o -> changed());
        frames.hiresProperty().addListener(o -> changed());
        frames.hiresStrengthProperty().addListener(o -> changed());
        gc.modelProperty().addListener(o -> changed());
        stage.xProperty().addListener(o -> changed());
        stage.yProperty().addListener(o -> changed());
        stage.widthProperty().addListener(o -> changed());
        stage.heightProperty().addListener(o -> changed());
        stage.maximizedProperty().addListener(o -> changed());
    }

    /** Something saved in the session changed (the studio calls this for what it tracks itself). */
    public void changed() {
        if (!restoring && !closed && stage != null) stateSave.playFromStart();
    }

    private SessionState capture() {
        ModelSummary m = gc.modelProperty().get();
        WindowGeometry g;
        if (stage.isMaximized() && beforeMaximised != null) {
            g = new WindowGeometry(beforeMaximised.x(), beforeMaximised.y(), beforeMaximised.width(), beforeMaximised.height(), true);
        } else {
            g = new WindowGeometry(stage.getX(), stage.getY(), stage.getWidth(), stage.getHeight(), stage.isMaximized());
            if (!stage.isMaximized()) beforeMaximised = g;
        }
        Path shown = shownFile.get();
        return new SessionState(params.promptProperty().get(), params.negativePromptProperty().get(), params.cfgProperty().get(),
                params.stepsProperty().get(), params.seedProperty().get(), params.seedLockedProperty().get(),
                params.strengthProperty().get(), params.featherProperty().get(),
                params.schedulerProperty().get() == null ? null : params.schedulerProperty().get().cliName(),
                params.scheduleProperty().get().cliName(), params.clipSkipProperty().get(),
                gc.previewKindProperty().get().name(), gc.previewStrideProperty().get(),
                tools.toolProperty().get().name(), tools.sizeProperty().get(), tools.hardnessProperty().get(),
                tools.opacityProperty().get(), tools.colorProperty().get(),
                m == null ? null : m.folder().toString(),
                shown == null ? null : shown.toString(), g,
                controls.layers().stream().map(SessionKeeper::controlState).toList(), params.batchCountProperty().get(), frameState());
    }

    private SessionState.FrameState frameState() {
        dev.emergence.app.frame.InpaintOptions o = frames.options();
        return new SessionState.FrameState(o.onlyMasked(), o.paddingPx(), o.matchColours(), o.fill().name(), frames.hiresProperty().get(),
                frames.hiresStrengthProperty().get());
    }

    /** The frame's settings as saved; a field missing or out of range keeps the default. */
    private void restoreFrame(SessionState.FrameState f) {
        dev.emergence.app.frame.InpaintOptions d = frames.options();
        int padding = f.padding() != null && f.padding() >= 0 && f.padding() <= 1024 ? f.padding() : d.paddingPx();
        dev.emergence.app.frame.OutpaintFill fill = parseEnum(dev.emergence.app.frame.OutpaintFill.class, f.fill()).orElse(d.fill());
        frames.optionsProperty().set(new dev.emergence.app.frame.InpaintOptions(f.onlyMasked() != null ? f.onlyMasked() : d.onlyMasked(), padding,
                f.matchColours() != null ? f.matchColours() : d.matchColours(), fill));
        if (f.hires() != null) frames.hiresProperty().set(f.hires());
        if (f.hiresStrength() != null && f.hiresStrength() >= 0.05 && f.hiresStrength() <= 1) frames.hiresStrengthProperty().set(f.hiresStrength());
    }

    private static ControlState controlState(ControlLayer l) {
        Path file = l.pictureFileProperty().get();
        return new ControlState(l.enabledProperty().get(), l.modelProperty().get() == null ? null : l.modelProperty().get().folder().toString(),
                l.sourceProperty().get().name(), file == null ? null : file.toString(), l.preprocessorProperty().get().cliName(),
                l.weightProperty().get(), l.startProperty().get(), l.endProperty().get(), l.cannyLowProperty().get(),
                l.cannyHighProperty().get());
    }

    private void saveState() {
        SessionState s = capture();
        worker.execute(() -> {
            try {
                store.saveState(s);
            } catch (IOException e) {
                Platform.runLater(() -> errors.accept("cannot autosave the session: " + EngineErrors.message(e)));
            }
        });
    }

    private void saveLayers() {
        // Copies taken on the FX thread (an array copy), encoded and written on the worker.
        // Only the layers that changed since the last save are copied and encoded again.
        dev.emergence.app.project.Project doc = new dev.emergence.app.project.Project(canvas.copyLayers(pngs::has),
                java.util.List.copyOf(frames.history()));
        worker.execute(() -> {
            try {
                store.saveDocument(doc, pngs);
            } catch (RuntimeException e) {
                pngs.clear(); // the next autosave writes every layer again
                Platform.runLater(() -> errors.accept("cannot autosave the canvas: " + EngineErrors.message(e)));
            } catch (IOException e) {
                Platform.runLater(() -> errors.accept("cannot autosave the canvas: " + EngineErrors.message(e)));
            }
        });
    }

    /** Writes everything now and waits for the files (a few milliseconds); then saves no more. */
    public void saveNowAndStop() {
        if (closed) return;
        layersSave.stop();
        stateSave.stop();
        if (stage != null) {
            saveState();
            saveLayers();
        }
        closed = true;
        worker.shutdown();
        try {
            if (!worker.awaitTermination(5, TimeUnit.SECONDS)) worker.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
