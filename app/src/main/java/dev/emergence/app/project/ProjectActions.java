package dev.emergence.app.project;

import dev.emergence.app.canvas.CanvasDocument;
import dev.emergence.app.canvas.DocumentCopy;
import dev.emergence.app.engine.EngineErrors;
import dev.emergence.app.frame.FrameGenerations;
import dev.emergence.app.fx.FxThread;
import dev.emergence.app.ui.FileDialogs;
import dev.emergence.app.ui.NewDocumentDialog;
import dev.emergence.app.ui.Notifier;
import dev.emergence.engine.io.AtomicFiles;
import dev.emergence.engine.pipeline.GenerationPng;
import javafx.application.Platform;
import javafx.stage.Window;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The document's file actions: a new document, saving and opening project files, exporting the
 * flattened picture. Files are read and written on {@code io} from copies taken on the JavaFX
 * thread; every failure is one line in the notifications.
 */
public final class ProjectActions {
    private final Supplier<Window> owner;
    private final FileDialogs dialogs;
    private final CanvasDocument canvas;
    private final FrameGenerations frames;
    private final Notifier notifier;
    private final Executor io;
    private final Runnable fitView;
    private final String stylesheet;
    /** The project file the document was last saved to or opened from, or null. */
    private Path projectFile;

    public ProjectActions(Supplier<Window> owner, FileDialogs dialogs, CanvasDocument canvas, FrameGenerations frames, Notifier notifier,
                          Executor io, Runnable fitView, String stylesheet) {
        this.owner = owner;
        this.dialogs = dialogs;
        this.canvas = canvas;
        this.frames = frames;
        this.notifier = notifier;
        this.io = io;
        this.fitView = fitView;
        this.stylesheet = stylesheet;
    }

    public void askNewDocument() {
        NewDocumentDialog.ask(owner.get(), canvas.width(), canvas.height(), stylesheet).ifPresent(wh -> newDocument(wh[0], wh[1]));
    }

    /** A new empty document; the old one is one undo step back (its generations stay in the history, so undo finds them). */
    public void newDocument(int w, int h) {
        try {
            canvas.newDocument(w, h);
            projectFile = null;
        } catch (IllegalArgumentException e) {
            notifier.error(e.getMessage());
        }
    }

    public void saveProject() {
        String suggested = projectFile != null ? projectFile.getFileName().toString() : "picture" + ProjectFile.EXTENSION;
        dialogs.saveProject(owner.get(), suggested).ifPresent(target -> saveProjectTo(withExtension(target, ProjectFile.EXTENSION)));
    }

    /** Writes the document as a project file off the FX thread. */
    public CompletableFuture<Void> saveProjectTo(Path target) {
        Project p = new Project(canvas.copyLayers(), List.copyOf(frames.history()));
        return CompletableFuture.runAsync(() -> {
            try {
                ProjectFile.write(target, p);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, io).whenComplete((v, err) -> Platform.runLater(() -> {
            if (err != null) {
                notifier.error("cannot save " + target.getFileName() + ": " + EngineErrors.message(err));
                return;
            }
            projectFile = target;
            notifier.info("saved " + target);
        }));
    }

    /** Opens a project file: its document replaces this one, with a history of its own. */
    public CompletableFuture<Void> openProject(Path file) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return ProjectFile.read(file);
            } catch (ProjectException e) {
                throw new CompletionException(e);
            }
        }, io).handleAsync((p, err) -> {
            if (err != null) {
                notifier.error("cannot open " + file.getFileName() + ": " + EngineErrors.message(err));
                return null;
            }
            p.document().restoreInto(canvas);
            frames.restore(p.generations());
            projectFile = file;
            fitView.run();
            int n = p.document().layers().size();
            notifier.info("opened " + file.getFileName() + ": " + n + " layer" + (n == 1 ? "" : "s") + ", "
                    + p.document().width() + "x" + p.document().height());
            return null;
        }, FxThread.FX);
    }

    /**
     * Exports the flattened picture as PNG, with the parameters (ours and AUTOMATIC1111's) of the
     * generation it shows: that of the topmost visible generated layer.
     */
    public void exportPicture() {
        dialogs.savePng(owner.get(), "picture.png").ifPresent(target -> exportTo(withExtension(target, ".png")));
    }

    public CompletableFuture<Void> exportTo(Path target) {
        DocumentCopy copy = canvas.copyLayers();
        Optional<GenerationRecord> g = frames.shown();
        return CompletableFuture.runAsync(() -> {
            try {
                BufferedImage flat = copy.flattenedOnWhite();
                if (g.isPresent()) GenerationPng.save(target, flat, g.get().request(), g.get().mode());
                else AtomicFiles.write(target, os -> ImageIO.write(flat, "png", os));
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, io).whenComplete((v, err) -> Platform.runLater(() -> {
            if (err != null) notifier.error("cannot export " + target.getFileName() + ": " + EngineErrors.message(err));
            else notifier.info("exported " + target + (g.isPresent() ? " with the parameters of " + g.get().layerName() : ""));
        }));
    }

    private static Path withExtension(Path target, String extension) {
        String n = target.getFileName().toString();
        return n.toLowerCase(Locale.ROOT).endsWith(extension) ? target : target.resolveSibling(n + extension);
    }
}
