package dev.emergence.app;

import dev.emergence.app.canvas.CanvasDocument;
import dev.emergence.app.canvas.Layer;
import dev.emergence.app.canvas.ToolSettings;
import dev.emergence.app.canvas.UndoHistory;
import dev.emergence.app.control.ControlLayer;
import dev.emergence.app.control.ControlStack;
import dev.emergence.app.engine.EngineErrors;
import dev.emergence.app.engine.ModelSummary;
import dev.emergence.app.engine.StudioEngine;
import dev.emergence.app.fx.FxImages;
import dev.emergence.app.fx.FxThread;
import dev.emergence.app.gallery.GalleryEntry;
import dev.emergence.app.gallery.PngMode;
import dev.emergence.app.gallery.RestoredMode;
import dev.emergence.app.gallery.ResultStore;
import dev.emergence.app.gallery.Trash;
import dev.emergence.app.library.DownloadJob;
import dev.emergence.app.library.LibraryModel;
import dev.emergence.app.library.ModelChoice;
import dev.emergence.app.generation.Finished;
import dev.emergence.app.generation.GenerationController;
import dev.emergence.app.generation.GenerationState;
import dev.emergence.app.params.Parameters;
import dev.emergence.app.params.SizePresets;
import dev.emergence.app.session.SessionKeeper;
import dev.emergence.app.session.SessionState;
import dev.emergence.app.session.SessionStore;
import dev.emergence.app.session.WindowGeometry;
import dev.emergence.app.ui.CanvasToolBar;
import dev.emergence.app.ui.CanvasView;
import dev.emergence.app.ui.DownloadDialog;
import dev.emergence.app.ui.GalleryView;
import dev.emergence.app.ui.MainWindow;
import dev.emergence.app.ui.ModelsDialog;
import dev.emergence.app.ui.NumberField;
import dev.emergence.app.ui.Notifier;
import dev.emergence.app.ui.PreviewPane;
import dev.emergence.app.ui.ProgressPanel;
import dev.emergence.app.ui.PromptPanel;
import dev.emergence.app.ui.Shortcuts;
import dev.emergence.app.ui.StatusBar;
import dev.emergence.app.ui.StepScrubber;
import dev.emergence.app.ui.TokenCounter;
import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.pipeline.GenerationRequest;
import javafx.application.Platform;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.geometry.Rectangle2D;
import javafx.scene.Scene;
import javafx.scene.image.Image;
import javafx.scene.input.Clipboard;
import javafx.scene.input.DragEvent;
import javafx.scene.input.TransferMode;
import javafx.stage.Screen;
import javafx.stage.Stage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * The studio: builds the window from its parts and carries out what the artist asks (generate,
 * open, save, paste, history actions, the model library), keeping every slow thing (engine, files,
 * downloads) off the JavaFX thread, and autosaving the session. One instance per window.
 */
public final class Studio implements AutoCloseable {
    /** The canvas size before any model says otherwise. */
    private static final int DEFAULT_SIZE = 512;
    private static final int GALLERY_LIMIT = 300;
    /** The theme's window colour (-bg0 in studio.css). */
    private static final javafx.scene.paint.Color WINDOW_COLOUR = javafx.scene.paint.Color.web("#111317");

    private final StudioConfig config;
    private final StudioEngine engine;
    private final ResultStore results;
    private final SessionStore sessions;
    private final Trash trash;
    private final Parameters params = new Parameters();
    private final ToolSettings tools = new ToolSettings();
    private final CanvasDocument canvas = new CanvasDocument(DEFAULT_SIZE, DEFAULT_SIZE, UndoHistory.DEFAULT_CAP_BYTES);
    /** Plans each run on the frame and lands its results as layers. */
    private final dev.emergence.app.frame.FrameGenerations frames = new dev.emergence.app.frame.FrameGenerations(canvas);
    private final GenerationController gc;
    /** Pictures waiting to be made (Generate while busy, batch counts). */
    private final dev.emergence.app.generation.GenerationQueue queue;
    private final ObservableList<GalleryEntry> gallery = FXCollections.observableArrayList();
    private final LibraryModel library;
    private final DownloadJob downloads;
    private ModelsDialog modelsDialog;
    private DownloadDialog downloadDialog;
    /** The first model has been chosen at start; from then on a model added to an empty studio is loaded at once. */
    private boolean started;
    private final ExecutorService io = FxThread.worker("studio-io");
    /** Prepares each run's model-sized inputs in order (one thread, so runs queue as they were asked). */
    private final ExecutorService planThread = FxThread.worker("frame-plan");
    /** The ControlNets steering the next generation. */
    private final ControlStack controls = new ControlStack();
    /** The mode the next run uses: the canvas's, unless a ControlNet takes the painting. */
    private final javafx.beans.binding.ObjectBinding<GenerationMode> runMode;
    private final ExecutorService tokenThread = FxThread.worker("tokens");
    /** What the preview shows when it follows: the live preview while running, else the picture on display. */
    private final ObjectProperty<Image> followImage = new SimpleObjectProperty<>();
    /** The picture on display (a result, a history entry, an opened PNG), with what made it. */
    private Shown shown;

    private Stage stage;
    private MainWindow window;
    private Notifier notifier;
    private CanvasView canvasView;
    private dev.emergence.app.ui.LayersPanel layersPanel;
    /** New document, save and open project, export. */
    private dev.emergence.app.project.ProjectActions documents;
    private PreviewPane preview;
    private StepScrubber scrubber;
    private PromptPanel promptPanel;
    private GalleryView galleryView;
    private TokenCounter promptTokens;
    private TokenCounter negativeTokens;
    private StatusBar statusBar;
    private final SessionKeeper keeper;
    /** The saved session or a restored picture chose the scheduler: a model load does not replace it. */
    private boolean restoredScheduler;
    /** The family of the model loaded last, so a switch to another family brings its settings. */
    private String loadedFamily;

    /** A picture on display and, when known, the request and file behind it. */
    private record Shown(Image image, BufferedImage pixels, GenerationRequest request, GenerationMode mode, Path file) {
    }

    public Studio(StudioConfig config) {
        this.config = config;
        this.engine = config.engine().get();
        this.results = new ResultStore(config.paths().outputs());
        this.sessions = new SessionStore(config.paths().session());
        this.trash = new Trash(config.paths().trash());
        this.gc = new GenerationController(engine, FxThread.FX, results);
        this.queue = new dev.emergence.app.generation.GenerationQueue(gc, this::jobStarting);
        this.library = new LibraryModel(config.library());
        library.rootProperty().addListener((o, a, root) -> {
            if (root != null) engine.useLorasFolder(root.resolve(dev.emergence.engine.library.ModelLibrary.LORAS));
        });
        this.downloads = new DownloadJob(library, config.downloaders());
        this.keeper = new SessionKeeper(sessions, params, tools, canvas, gc, controls, frames,
                () -> shown == null ? null : shown.file(), m -> notifier.error(m));
        this.runMode = javafx.beans.binding.Bindings.createObjectBinding(() -> controls.mode(canvas.mode()), canvas.modeProperty(),
                controls.layers());
    }

    // ---- building

    public void show(Stage stage) {
        this.stage = stage;
        preview = new PreviewPane();
        canvasView = new CanvasView(canvas, tools);
        scrubber = new StepScrubber(gc, preview, followImage);
        promptTokens = new TokenCounter(engine, tokenThread, params.promptProperty());
        negativeTokens = new TokenCounter(engine, tokenThread, params.negativePromptProperty());
        promptPanel = new PromptPanel(params, gc, library.choices(), runMode, canvas.widthProperty(), canvas.heightProperty(),
                promptTokens, negativeTokens, this::generate, this::openModels, c -> loadModel(c.folder()), this::resizeCanvas);
        promptPanel.setFramePanel(new dev.emergence.app.ui.FramePanel(canvas, frames));
        promptPanel.setLoraPanel(new dev.emergence.app.ui.LoraPanel(params.promptProperty(), library.loras(), this::openLorasFolder,
                () -> library.refresh().exceptionally(err -> {
                    notifier.error("cannot read the loras folder: " + EngineErrors.message(err));
                    return null;
                })));
        promptPanel.setControlPanel(new dev.emergence.app.ui.ControlPanel(controls, library.controlNets(), gc.modelProperty(), canvas::snapshot,
                canvas.revisionProperty(), this::openControlPicture, this::openControlNetsFolder,
                () -> library.refresh().exceptionally(err -> {
                    notifier.error("cannot read the controlnets folder: " + EngineErrors.message(err));
                    return null;
                })));
        galleryView = new GalleryView(gallery, new GalleryView.Actions(this::showEntry, this::restoreEntry,
                this::entryToCanvas, e -> openOutputFolder(), this::deleteEntry));
        layersPanel = new dev.emergence.app.ui.LayersPanel(canvas);
        window = new MainWindow(promptPanel, new CanvasToolBar(canvas, tools, canvasView::fit), canvasView, preview,
                new ProgressPanel(gc), scrubber, layersPanel, new dev.emergence.app.ui.QueueView(queue),
                new dev.emergence.app.ui.BatchGridView(frames, this::placePick), galleryView, statusBar = new StatusBar(gc),
                new MainWindow.HeaderActions(() -> documents.askNewDocument(), this::openImage, () -> documents.saveProject(), () -> documents.exportPicture(), this::save,
                        this::paste, this::shownToCanvas, this::openOutputFolder, this::openModels));
        notifier = new Notifier(window.notificationPane());
        canvas.setNotices(notifier::info);
        documents = new dev.emergence.app.project.ProjectActions(() -> stage, config.dialogs(), canvas, frames, notifier, io, canvasView::fit,
                stylesheet());
        gc.onError(m -> {
            queue.failed(); // a failed picture ends its batch
            notifier.error(m);
        });
        gc.onNotice(notifier::info);
        gc.onResult(this::resultArrived);
        gc.livePreviewProperty().addListener((o, a, b) -> {
            if (gc.state().busy() && b != null) {
                followImage.set(b);
                scrubber.setFollowCaption("live preview · " + gc.stepLabelProperty().get());
            }
        });
        gc.modelProperty().addListener((o, a, m) -> modelLoaded(m));

        Scene scene = new Scene(window);
        // The first frame, before CSS is applied, shows the scene's fill: the theme's, not white.
        scene.setFill(WINDOW_COLOUR);
        window.setStyle("-fx-background-color: " + toCss(WINDOW_COLOUR) + ";");
        scene.getStylesheets().add(stylesheet());
        Shortcuts.install(scene, new Shortcuts.Actions(this::generate, gc::cancel, canvas::undo, canvas::redo, this::save,
                this::openImage, this::paste, canvasView::fit), tools, canvasView);
        installDragAndDrop(scene);
        stage.setScene(scene);
        stage.setTitle("Emergence Studio");
        // The layout's smallest size (every column visible), or the screen where that is smaller.
        Rectangle2D screen = Screen.getPrimary().getVisualBounds();
        stage.setMinWidth(Math.min(WindowGeometry.MIN_WIDTH, screen.getWidth()));
        stage.setMinHeight(Math.min(WindowGeometry.MIN_HEIGHT, screen.getHeight()));

        SessionKeeper.Restored restored = config.restoreSession() ? keeper.restore() : SessionKeeper.Restored.none();
        restored.damageNotice().ifPresent(statusBar::notice);
        Optional<SessionState> session = restored.state();
        restoredScheduler = restored.schedulerChosen();
        placeWindow(session.map(SessionState::window).orElse(null));
        keeper.start(stage);
        stage.setOnCloseRequest(e -> keeper.saveNowAndStop());
        stage.show();
        loadGallery(session.map(SessionState::selectedResult).orElse(null));
        startModel(session.map(SessionState::modelFolder).orElse(null));
    }

    private void placeWindow(WindowGeometry saved) {
        Rectangle2D primary = Screen.getPrimary().getVisualBounds();
        List<Rectangle2D> screens = Screen.getScreens().stream().map(Screen::getVisualBounds).toList();
        WindowGeometry g = saved == null ? WindowGeometry.defaultFor(primary) : saved.fitTo(screens, primary);
        stage.setX(g.x());
        stage.setY(g.y());
        stage.setWidth(g.width());
        stage.setHeight(g.height());
        stage.setMaximized(g.maximized());
    }

    // ---- models

    /**
     * Reads the model library (off the FX thread), then loads the session's model if the library
     * still has it, else the first one (the embedded model when there is one).
     */
    private void startModel(String sessionModel) {
        gc.announceLoading("the model library");
        library.refresh().whenComplete((entries, err) -> {
            started = true;
            gc.announceLoading("");
            if (err != null) notifier.error("cannot read the model library: " + EngineErrors.message(err));
            List<ModelChoice> choices = library.choices();
            Path saved = sessionModel == null ? null : Path.of(sessionModel).toAbsolutePath().normalize();
            Optional<ModelChoice> previous = choices.stream().filter(c -> c.folder().equals(saved)).findFirst();
            if (saved != null && previous.isEmpty()) {
                notifier.info("the last session's model " + saved.getFileName() + " is not in the model library; add it in Models");
            }
            Optional<ModelChoice> first = previous.or(() -> choices.stream().findFirst());
            if (first.isEmpty()) {
                gc.statusProperty().set("No model: import or download one in Models");
                if (err == null) notifier.info("no model: import one or download one (Models, beside the model picker)");
                return;
            }
            loadModel(first.get().folder());
        });
        // A model that arrives while none is loaded (the first import or download) is loaded at once.
        library.choices().addListener((javafx.collections.ListChangeListener<ModelChoice>) c -> {
            if (started && gc.state() == GenerationState.NO_MODEL && !library.choices().isEmpty()) {
                loadModel(library.choices().get(0).folder());
            }
        });
    }

    public CompletableFuture<ModelSummary> loadModel(Path folder) {
        Path abs = folder.toAbsolutePath().normalize();
        return gc.loadModel(abs).whenComplete((m, err) -> Platform.runLater(() -> {
            // After a failure the picker goes back to the model still in use.
            ModelSummary current = gc.modelProperty().get();
            if (err != null && current != null) promptPanel.refreshModelSelection();
            keeper.changed();
        }));
    }

    /** The Models window: the library's models, import, remove, use, download. */
    public void openModels() {
        if (modelsDialog == null) {
            modelsDialog = new ModelsDialog(library, config.dialogs(), gc.modelProperty(), promptPanel::selectModel,
                    this::openDownload, stylesheet());
        }
        modelsDialog.show(stage);
    }

    /** The download dialog, over the Models window when that is open. */
    public void openDownload() {
        if (downloadDialog == null) downloadDialog = new DownloadDialog(downloads, library, promptPanel::selectModel, stylesheet());
        downloadDialog.show(modelsDialog != null && modelsDialog.stage().map(javafx.stage.Stage::isShowing).orElse(false)
                ? modelsDialog.stage().get() : stage);
    }

    private static String toCss(javafx.scene.paint.Color c) {
        return String.format(Locale.ROOT, "#%02x%02x%02x", Math.round(c.getRed() * 255), Math.round(c.getGreen() * 255),
                Math.round(c.getBlue() * 255));
    }

    private static String stylesheet() {
        return Studio.class.getResource("ui/studio.css").toExternalForm();
    }

    private void modelLoaded(ModelSummary m) {
        if (m == null) return;
        promptTokens.recount();
        negativeTokens.recount();
        // A blank canvas takes the model's native size, unless it already has a size the model takes.
        boolean blank = canvas.paintBlankProperty().get() && canvas.maskBlankProperty().get() && !canvas.sizeChosen()
                && canvas.layers().size() == 1;
        boolean fits = canvas.width() % m.sizeMultiple() == 0 && canvas.height() % m.sizeMultiple() == 0
                && Math.max(canvas.width(), canvas.height()) <= 2 * m.nativeSize();
        if (blank && !fits) {
            canvas.restore(new Layer(m.nativeSize(), m.nativeSize()), new Layer(m.nativeSize(), m.nativeSize()));
        }
        // A model of another family (SDXL after SD 1.5, a Turbo or LCM model) runs with that family's
        // settings; the first model keeps what the session restored.
        boolean familyChanged = loadedFamily != null && !loadedFamily.equals(m.family());
        loadedFamily = m.family();
        if (!restoredScheduler && !familyChanged) params.schedulerProperty().set(m.defaultScheduler());
        if (familyChanged) {
            params.scheduleProperty().set(dev.emergence.engine.scheduler.ScheduleType.AUTOMATIC); // before the sampler, which may pick one
            params.schedulerProperty().set(m.defaultScheduler());
            params.stepsProperty().set(m.defaultSteps());
            params.cfgProperty().set(m.defaultCfg());
            if (familyChanged) notifier.info(m.family() + " model: " + m.defaultSteps() + " steps, CFG " + m.defaultCfg() + ", " + m.defaultScheduler().a1111Name());
        }
        if (!m.cpuNote().isEmpty()) notifier.info(m.name() + " runs on the CPU; " + m.cpuNote());
    }


    // ---- generate

    private void generate() {
        // While a picture is being made, Generate queues the next one.
        if (gc.state() != GenerationState.READY && gc.state() != GenerationState.RUNNING && gc.state() != GenerationState.CANCELLING) {
            if (gc.state() == GenerationState.NO_MODEL) notifier.error("no model: import one first");
            else notifier.info("the model is loading: Generate once it is ready");
            return;
        }
        // A number typed but not yet confirmed counts; a wrong one stops the generation with its reason shown inline.
        if (stage.getScene().getFocusOwner() instanceof NumberField<?> f && !f.commit()) {
            notifier.error(f.errorProperty().get());
            return;
        }
        ModelSummary m = gc.modelProperty().get();
        // A ControlNet reading the painting takes it as the composition: the run is made from text.
        GenerationMode mode = runMode.get();
        if (mode != canvas.mode() && canvas.mode() == GenerationMode.INPAINT) {
            notifier.info("the mask is not used: a ControlNet reads the paint layer, so this run is made from text");
        }
        ControlStack.Plan plan = controls.plan();
        // The frame decides what the engine gets: a model-sized picture and mask of the frame (or of
        // the mask's surroundings), and where the result lands.
        canvas.endStroke();
        dev.emergence.app.canvas.Rect grown = canvas.bounds().union(canvas.frame());
        if (grown.width() > CanvasDocument.MAX_SIDE || grown.height() > CanvasDocument.MAX_SIDE) {
            notifier.error("the frame would grow the canvas to " + grown.width() + "x" + grown.height() + "; each side can be at most "
                    + CanvasDocument.MAX_SIDE + " pixels: move the frame back towards the canvas");
            return;
        }
        // Taken now from the document (a quick copy of the frame's pixels); scaled to the model's size off the FX thread.
        dev.emergence.app.frame.GenerationArea.Capture capture = frames.capture(m.nativeSize(), m.sizeMultiple());
        GenerationRequest request = params.toRequest(capture.size().width(), capture.size().height(), mode, m.name()).withControls(plan.units());
        int count = params.batchCountProperty().get();
        double hires = frames.hiresStrengthOrOff();
        CompletableFuture.supplyAsync(() -> dev.emergence.app.frame.GenerationArea.plan(capture, request.seed()), planThread)
                .whenComplete((area, err) -> Platform.runLater(() -> {
                    if (err != null) {
                        notifier.error("cannot prepare the frame: " + EngineErrors.message(err));
                        return;
                    }
                    List<dev.emergence.app.generation.GenerationQueue.Job> jobs = dev.emergence.app.generation.GenerationQueue.batch(request,
                            count, area.input(), mode, plan::pictures, hires, dev.emergence.app.frame.FrameGenerations.placementFor(area, mode));
                    queue.submit(jobs);
                    if (queue.currentProperty().get() != jobs.get(0)) {
                        statusBar.notice(count == 1 ? "queued: " + jobs.get(0).label() : count + " pictures queued: " + jobs.get(0).label());
                    }
                }));
    }

    /** A picture of the batch grid placed as a layer. */
    private void placePick(dev.emergence.app.frame.FrameGenerations.Pick p) {
        try {
            frames.place(p);
        } catch (IllegalArgumentException e) {
            notifier.error("the picture could not be placed: " + e.getMessage());
        }
    }

    /** A queued picture is about to be made: its result lands where its run was planned to go (a batch's joins the grid). */
    private void jobStarting(dev.emergence.app.generation.GenerationQueue.Job j) {
        frames.expect((dev.emergence.app.frame.Placement) j.placement(), j.mode(), j.count() > 1, j.index() == 0);
        if (j.count() > 1) statusBar.notice("picture " + (j.index() + 1) + " of " + j.count() + " (seed " + j.request().seed() + ")");
    }

    private void resultArrived(Finished f) {
        GalleryEntry entry = new GalleryEntry(f.file(), f.result().request(), f.result().mode(), f.thumbnail());
        if (f.file() != null) {
            gallery.add(0, entry);
        }
        display(new Shown(f.image(), f.result().image(), f.result().request(), f.result().mode(), f.file()), "result");
        try {
            frames.land(f.result().image(), f.result().request());
        } catch (IllegalArgumentException e) {
            // The document changed meanwhile so the picture no longer fits it (it is in the history).
            notifier.error("the picture could not land as a layer: " + e.getMessage() + "; it is in the history");
        }
        keeper.changed();
    }

    private void display(Shown s, String caption) {
        shown = s;
        followImage.set(s == null ? null : s.image());
        scrubber.setFollowCaption(caption);
        if (!scrubber.liveButton().isSelected()) scrubber.liveButton().setSelected(true);
    }

    // ---- canvas

    /** The size picker: a blank document takes the size; a painted one keeps its pixels and the frame takes it. */
    private void resizeCanvas(int w, int h) {
        if (canvas.paintBlankProperty().get() && canvas.maskBlankProperty().get() && canvas.layers().size() == 1) {
            canvas.resize(w, h);
            return;
        }
        dev.emergence.app.canvas.Rect f = canvas.frame();
        canvas.setFrame(new dev.emergence.app.canvas.Rect(f.x() + (f.width() - w) / 2, f.y() + (f.height() - h) / 2, w, h));
    }

    /**
     * Opens a picture as the document at its own size (a side past {@link CanvasDocument#MAX_SIDE}
     * is scaled down to it, and said so).
     */
    private void toCanvas(BufferedImage img, String label) {
        BufferedImage fitted = img;
        int longest = Math.max(img.getWidth(), img.getHeight());
        if (longest > CanvasDocument.MAX_SIDE) {
            fitted = FxImages.scaleToFit(img, CanvasDocument.MAX_SIDE);
            notifier.info("the picture is " + img.getWidth() + "x" + img.getHeight() + "; scaled to " + fitted.getWidth() + "x"
                    + fitted.getHeight() + ", the largest canvas");
        }
        try {
            canvas.setImage(fitted, label);
        } catch (IllegalArgumentException e) {
            notifier.error(e.getMessage());
        }
    }

    /** A new empty document (the old one is one undo step back). */
    public void newDocument(int w, int h) {
        documents.newDocument(w, h);
    }

    public CompletableFuture<Void> openProject(Path file) {
        return documents.openProject(file);
    }

    /**
     * "To canvas": the picture on screen (a scrubbed step, the live preview, the result or history
     * entry or PNG on display) becomes the canvas, as one undo step that the status bar offers to undo.
     */
    private void shownToCanvas() {
        Optional<Image> step = scrubber.scrubbedPicture();
        BufferedImage picture;
        String what;
        if (step.isPresent()) {
            picture = FxImages.fromFx(step.get());
            what = "step " + (int) Math.round(scrubber.slider().getValue());
        } else if (gc.state().busy() && followImage.get() != null) {
            picture = FxImages.fromFx(followImage.get());
            what = "the live preview";
        } else if (shown != null && shown.pixels() != null) {
            picture = shown.pixels();
            what = shown.file() != null ? shown.file().getFileName().toString() : "the picture";
        } else {
            notifier.info("no picture to use: generate one or pick one in the history");
            return;
        }
        toCanvasUndoable(picture, what);
    }

    /** Places the picture as a new layer in the frame and says so, with Undo. */
    private void toCanvasUndoable(BufferedImage picture, String what) {
        frames.place(picture, what);
        int revision = canvas.revisionProperty().get();
        statusBar.notice(what + " is a new layer in the frame", "Undo", () -> {
            if (canvas.revisionProperty().get() == revision) canvas.undo();
            else notifier.info("the canvas has changed since; Ctrl+Z steps back through every change");
        });
    }

    private void paste() {
        Clipboard cb = Clipboard.getSystemClipboard();
        if (cb.hasImage()) {
            toCanvas(FxImages.fromFx(cb.getImage()), "paste image");
        } else if (cb.hasFiles() && !cb.getFiles().isEmpty()) {
            openFile(cb.getFiles().get(0).toPath());
        } else {
            notifier.info("the clipboard holds no image");
        }
    }

    private void installDragAndDrop(Scene scene) {
        scene.addEventFilter(DragEvent.DRAG_OVER, e -> {
            if (e.getDragboard().hasFiles() || e.getDragboard().hasImage()) e.acceptTransferModes(TransferMode.COPY);
        });
        scene.addEventFilter(DragEvent.DRAG_DROPPED, e -> {
            var db = e.getDragboard();
            if (db.hasFiles() && !db.getFiles().isEmpty()) {
                openFile(db.getFiles().get(0).toPath());
                e.setDropCompleted(true);
            } else if (db.hasImage()) {
                toCanvas(FxImages.fromFx(db.getImage()), "drop image");
                e.setDropCompleted(true);
            }
            e.consume();
        });
    }

    // ---- files

    private void openImage() {
        config.dialogs().openImage(stage).ifPresent(this::openFile);
    }

    /** Result of reading a picture file off the FX thread. */
    private record Opened(Path file, BufferedImage image, GenerationRequest request, GenerationMode mode, Image fx,
                          Optional<String> ignored, String refused) {
    }

    /**
     * Opens a picture: one with generation parameters (ours or AUTOMATIC1111's) restores them and
     * is shown as the current picture; any other picture goes onto the canvas.
     */
    public CompletableFuture<Void> openFile(Path file) {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(dev.emergence.app.project.ProjectFile.EXTENSION)) {
            return openProject(file);
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                BufferedImage img = ImageIO.read(file.toFile());
                if (img == null) throw new IOException(file.getFileName() + ": not an image this studio can read (PNG, JPEG, BMP, GIF)");
                GenerationRequest r = null;
                Optional<String> ignored = Optional.empty();
                String refused = null;
                if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
                    try {
                        GenerationPng.Read read = GenerationPng.read(file);
                        // Restored either way (the next model may honour it), and named while the loaded one cannot.
                        int limit = engine.model().map(ModelSummary::clipSkipLimit).orElse(1);
                        if (read.request().clipSkipOrDefault() > limit) read = read.alsoIgnoring("Clip skip");
                        r = read.request();
                        ignored = read.notice(file);
                    } catch (InvalidRequestException e) {
                        r = null; // a plain picture, or parameters this studio cannot use (said so below)
                        if (hasParameters(file)) refused = EngineErrors.message(e);
                    }
                }
                return new Opened(file, img, r, r == null ? null : PngMode.read(file, r).orElse(null), FxImages.toFx(img), ignored, refused);
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, io).handleAsync((o, err) -> {
            if (err != null) {
                notifier.error("cannot open " + file.getFileName() + ": " + EngineErrors.message(err));
            } else if (o.request() != null) {
                restoreParameters(o.request(), "from " + file.getFileName(), o.mode(), o.ignored());
                display(new Shown(o.fx(), o.image(), o.request(), o.mode(), file), "opened " + file.getFileName());
            } else {
                toCanvas(o.image(), "open " + file.getFileName());
                notifier.info(file.getFileName() + " is on the canvas"
                        + (o.refused() == null ? "" : "; its parameters cannot be used (" + o.refused() + ")"));
            }
            return null;
        }, FxThread.FX);
    }

    /** Whether a PNG holds parameters (ours or AUTOMATIC1111's), so a failure to read them is worth saying. */
    private static boolean hasParameters(Path png) {
        try {
            var chunks = dev.emergence.engine.image.PngMetadata.read(png);
            return chunks.containsKey(GenerationPng.PARAMETERS_KEY) || chunks.containsKey(GenerationPng.REQUEST_KEY);
        } catch (Exception e) {
            return false;
        }
    }

    private void restoreParameters(GenerationRequest r, String from, GenerationMode made) {
        restoreParameters(r, from, made, Optional.empty());
    }

    /**
     * Takes a picture's parameters and says which mode the next run will use; when the picture was
     * made from text but the canvas is painted, offers to clear the canvas (one undo step) or keep it.
     *
     * @param ignored the line naming what of another tool's parameters was not applied, shown with the advice
     */
    private void restoreParameters(GenerationRequest r, String from, GenerationMode made, Optional<String> ignored) {
        List<String> notes = new ArrayList<>(params.apply(r));
        if (!r.controls().isEmpty()) notes.addAll(controls.restore(r.controls(), library.controlNets()));
        if (r.scheduler() != null) restoredScheduler = true;
        if (r.width() > 0 && r.height() > 0 && (r.width() != canvas.width() || r.height() != canvas.height())
                && !canvas.sizeChosen() && canvas.paintBlankProperty().get() && canvas.maskBlankProperty().get()) {
            canvas.resize(r.width(), r.height());
        }
        RestoredMode advice = RestoredMode.of(from, made, canvas.mode());
        String text = advice.text() + ignored.map(i -> " · " + i).orElse("");
        notifier.info(text + (notes.isEmpty() ? "" : " · " + String.join("; ", notes)));
        if (!advice.offerClear()) {
            statusBar.notice(text);
            return;
        }
        statusBar.notice(text,
                new StatusBar.Action("restore-clear-canvas", "Clear canvas", () -> {
                    canvas.clearAll();
                    statusBar.notice("Canvas cleared (Ctrl+Z brings it back): the next run is " + RestoredMode.label(canvas.mode()));
                }),
                new StatusBar.Action("restore-keep-canvas", "Keep (img2img)",
                        () -> statusBar.notice("Canvas kept: the next run is " + RestoredMode.label(canvas.mode()))));
    }

    private void save() {
        Shown s = shown;
        if (s == null || s.pixels() == null) {
            notifier.info("nothing to save yet: generate a picture first");
            return;
        }
        String name = s.file() != null ? s.file().getFileName().toString() : "picture.png";
        config.dialogs().savePng(stage, name).ifPresent(target -> {
            Path t = target.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png") ? target
                    : target.resolveSibling(target.getFileName() + ".png");
            CompletableFuture.runAsync(() -> {
                try {
                    if (s.request() != null) {
                        GenerationPng.save(t, s.pixels(), s.request(), s.mode() != null ? s.mode() : GenerationMode.TXT2IMG);
                    } else {
                        dev.emergence.engine.io.AtomicFiles.write(t, os -> ImageIO.write(s.pixels(), "png", os));
                    }
                } catch (IOException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }, io).whenComplete((v, err) -> Platform.runLater(() -> {
                if (err != null) notifier.error("cannot save " + t.getFileName() + ": " + EngineErrors.message(err));
                else notifier.info("saved " + t);
            }));
        });
    }

    private void openOutputFolder() {
        openFolder(results.folder(), "Outputs are in ");
    }

    /** A picture for a ControlNet whose source is an opened picture; read off the FX thread. */
    private void openControlPicture(ControlLayer layer) {
        config.dialogs().openImage(stage).ifPresent(file -> CompletableFuture.supplyAsync(() -> {
            try {
                BufferedImage img = ImageIO.read(file.toFile());
                if (img == null) throw new IOException(file.getFileName() + ": not an image this studio can read (PNG, JPEG, BMP, GIF)");
                return img;
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, io).whenComplete((img, err) -> Platform.runLater(() -> {
            if (err != null) {
                notifier.error("cannot open " + file.getFileName() + ": " + EngineErrors.message(err));
                return;
            }
            layer.pictureNameProperty().set(file.getFileName().toString());
            layer.pictureFileProperty().set(file.toAbsolutePath());
            layer.pictureProperty().set(img);
        })));
    }

    private void openControlNetsFolder() {
        Path folder = library.controlNetsFolder();
        if (folder == null) {
            notifier.info("the model library has not been read yet");
            return;
        }
        openFolder(folder, "ControlNet folders go in ");
    }

    /** The library's loras folder, made when first asked for, so that files can be dropped into it. */
    private void openLorasFolder() {
        Path folder = library.lorasFolder();
        if (folder == null) {
            notifier.info("the model library has not been read yet");
            return;
        }
        openFolder(folder, "LoRA files go in ");
    }

    private void openFolder(Path folder, String pathNotice) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            notifier.error("cannot create " + folder + ": " + e.getMessage());
            return;
        }
        CompletableFuture.supplyAsync(() -> config.openUri().test(folder.toUri().toString()), io).whenComplete((opened, err) ->
                Platform.runLater(() -> {
                    if (err == null && opened) return;
                    // No file manager to show it: the path, to paste into one (or a terminal).
                    javafx.scene.input.ClipboardContent path = new javafx.scene.input.ClipboardContent();
                    path.putString(folder.toString());
                    Clipboard.getSystemClipboard().setContent(path);
                    statusBar.notice(pathNotice + folder + " (path copied to the clipboard)");
                }));
    }

    // ---- history

    /** Reads the output folder into the history; {@code selected} (a file) is shown again, as when the studio closed. */
    private void loadGallery(String selected) {
        CompletableFuture.supplyAsync(() -> {
            List<GalleryEntry> entries = new ArrayList<>();
            try {
                for (Path p : results.list(GALLERY_LIMIT)) {
                    try {
                        GenerationRequest r = GenerationPng.readRequest(p);
                        BufferedImage img = ImageIO.read(p.toFile());
                        if (img == null) continue;
                        entries.add(new GalleryEntry(p, r, PngMode.read(p, r).orElse(null), FxImages.thumbnail(img, 96)));
                    } catch (InvalidRequestException | IOException e) {
                        // Not one of ours (or damaged): the history lists only pictures it can restore.
                    }
                }
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
            return entries;
        }, io).whenComplete((entries, err) -> Platform.runLater(() -> {
            if (err != null) {
                notifier.error("cannot read the output folder: " + EngineErrors.message(err));
                return;
            }
            // Results that arrived meanwhile stay on top.
            List<Path> present = gallery.stream().map(GalleryEntry::file).toList();
            gallery.addAll(entries.stream().filter(e -> !present.contains(e.file())).toList());
            if (selected != null && shown == null) {
                gallery.stream().filter(e -> e.file().toString().equals(selected)).findFirst()
                        .ifPresent(e -> galleryView.list().getSelectionModel().select(e));
            }
        }));
    }

    private void showEntry(GalleryEntry e) {
        if (shown != null && e.file().equals(shown.file())) {
            display(shown, "result");
            return;
        }
        // Decoded and converted on the IO thread; only the display happens on the FX thread.
        readPicture(e.file()).thenAcceptAsync(img -> {
            Image fxImage = FxImages.toFx(img);
            Platform.runLater(() -> display(new Shown(fxImage, img, e.request(), e.mode(), e.file()), e.file().getFileName().toString()));
        }, io);
    }

    private CompletableFuture<BufferedImage> readPicture(Path file) {
        CompletableFuture<BufferedImage> f = CompletableFuture.supplyAsync(() -> {
            try {
                BufferedImage img = ImageIO.read(file.toFile());
                if (img == null) throw new IOException(file.getFileName() + ": not a readable picture");
                return img;
            } catch (IOException ex) {
                throw new java.util.concurrent.CompletionException(ex);
            }
        }, io);
        f.exceptionally(err -> {
            Platform.runLater(() -> notifier.error("cannot read " + file.getFileName() + ": " + EngineErrors.message(err)));
            return null;
        });
        return f;
    }

    private void restoreEntry(GalleryEntry e) {
        restoreParameters(e.request(), "from " + e.file().getFileName(), e.mode());
    }

    private void entryToCanvas(GalleryEntry e) {
        readPicture(e.file()).thenAcceptAsync(img -> Platform.runLater(() -> toCanvasUndoable(img, e.file().getFileName().toString())), io);
    }

    /** Moves the picture to the studio's trash; the status bar offers Undo until its next notice. */
    private void deleteEntry(GalleryEntry e) {
        CompletableFuture.supplyAsync(() -> {
            try {
                return trash.moveToTrash(e.file());
            } catch (IOException ex) {
                throw new java.util.concurrent.CompletionException(ex);
            }
        }, io).whenComplete((t, err) -> Platform.runLater(() -> {
            if (err != null) {
                notifier.error("cannot delete " + e.file().getFileName() + ": " + EngineErrors.message(err));
                return;
            }
            int index = gallery.indexOf(e);
            gallery.remove(e);
            if (shown != null && e.file().equals(shown.file())) display(null, "");
            statusBar.notice("Deleted " + e.file().getFileName() + " (moved to " + trash.folder() + ")", "Undo",
                    () -> undoDelete(t, e, index));
        }));
    }

    private void undoDelete(Trash.Trashed t, GalleryEntry e, int index) {
        CompletableFuture.supplyAsync(() -> {
            try {
                return trash.restore(t);
            } catch (IOException ex) {
                throw new java.util.concurrent.CompletionException(ex);
            }
        }, io).whenComplete((back, err) -> Platform.runLater(() -> {
            if (err != null) {
                notifier.error("cannot restore " + t.inTrash().getFileName() + ": " + EngineErrors.message(err));
                return;
            }
            GalleryEntry restored = new GalleryEntry(back, e.request(), e.mode(), e.thumbnail());
            gallery.add(Math.max(0, Math.min(index, gallery.size())), restored);
            galleryView.list().getSelectionModel().select(restored);
            statusBar.notice("Restored " + back.getFileName());
        }));
    }

    // ---- session

    /** Writes the session now (the window is closing). */
    public void saveSessionNow() {
        keeper.saveNowAndStop();
    }

    @Override
    public void close() {
        keeper.saveNowAndStop();
        if (promptTokens != null) {
            promptTokens.stop();
            negativeTokens.stop();
            statusBar.stop();
        }
        downloads.close();
        downloadDialog().ifPresent(javafx.stage.Stage::hide);
        modelsDialog().ifPresent(javafx.stage.Stage::hide);
        library.close();
        gc.close();
        io.shutdown();
        planThread.shutdownNow();
        tokenThread.shutdownNow();
        engine.close();
    }

    // ---- for tests and screenshots

    public Parameters parameters() { return params; }

    public CanvasDocument canvas() { return canvas; }

    public dev.emergence.app.frame.FrameGenerations frames() { return frames; }

    public dev.emergence.app.ui.LayersPanel layersPanel() { return layersPanel; }

    public dev.emergence.app.generation.GenerationQueue queue() { return queue; }

    public ToolSettings tools() { return tools; }

    public GenerationController generation() { return gc; }

    public ObservableList<GalleryEntry> gallery() { return gallery; }

    public Notifier notifier() { return notifier; }

    public PreviewPane preview() { return preview; }

    public StepScrubber scrubber() { return scrubber; }

    public CanvasView canvasView() { return canvasView; }

    public GalleryView galleryView() { return galleryView; }

    public MainWindow window() { return window; }

    public StatusBar statusBar() { return statusBar; }

    public SessionStore sessions() { return sessions; }

    public LibraryModel library() { return library; }

    public ControlStack controls() { return controls; }

    public DownloadJob downloads() { return downloads; }

    public Optional<javafx.stage.Stage> modelsDialog() { return modelsDialog == null ? Optional.empty() : modelsDialog.stage(); }

    public Optional<javafx.stage.Stage> downloadDialog() { return downloadDialog == null ? Optional.empty() : downloadDialog.stage(); }
}
