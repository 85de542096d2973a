package dev.emergence.app.library;

import dev.emergence.app.engine.EngineErrors;
import dev.emergence.app.fx.FxThread;
import dev.emergence.engine.library.Catalogue;
import dev.emergence.engine.library.DownloadListener;
import dev.emergence.engine.library.DownloadProgress;
import dev.emergence.engine.library.ModelDownloader;
import dev.emergence.engine.library.ModelEntry;
import dev.emergence.engine.library.ModelLibrary;
import dev.emergence.engine.pipeline.CancellationToken;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.scene.control.ProgressIndicator;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * One model download at a time, for the download dialog: runs the engine's {@link ModelDownloader}
 * on its own thread and shows where it stands in JavaFX properties (at most one progress update
 * queued for the JavaFX thread, however fast the reports come).
 *
 * <p>Cancel means "I do not want it": the download stops and what it had fetched is deleted from
 * the library's staging folder, so nothing is left half-written. A download that fails for another
 * reason keeps its verified files there, so starting it again resumes it.
 */
public final class DownloadJob implements AutoCloseable {
    public enum State {
        IDLE, RUNNING, CANCELLING, DONE, FAILED, CANCELLED;

        public boolean active() {
            return this == RUNNING || this == CANCELLING;
        }
    }

    private final LibraryModel library;
    private final Function<ModelLibrary, ModelDownloader> downloaders;
    private final ExecutorService thread = FxThread.worker("model-download");
    private final ReadOnlyObjectWrapper<State> state = new ReadOnlyObjectWrapper<>(State.IDLE);
    private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper(0);
    private final ReadOnlyStringWrapper stage = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper bytes = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper file = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper message = new ReadOnlyStringWrapper("");
    private final ReadOnlyObjectWrapper<ModelEntry> added = new ReadOnlyObjectWrapper<>();
    private final AtomicReference<DownloadProgress> pending = new AtomicReference<>();
    private CancellationToken token;

    /** @param downloaders makes the downloader for the library (called on the download thread) */
    public DownloadJob(LibraryModel library, Function<ModelLibrary, ModelDownloader> downloaders) {
        this.library = library;
        this.downloaders = downloaders;
    }

    /** The shipped catalogue's whole-model entries (preview decoders are added to a model from the command line). */
    public CompletableFuture<List<Catalogue.Entry>> catalogue() {
        return CompletableFuture.supplyAsync(() -> Catalogue.load().entries().stream().filter(e -> !e.isPreviewDecoder()).toList(), thread)
                .thenApplyAsync(l -> l, FxThread.FX);
    }

    /**
     * Downloads {@code repo} at {@code revision} (blank: main) into the library as {@code name} (blank:
     * after the repository). Call on the JavaFX thread when no download is running; the future
     * completes there, once the library lists the new model.
     */
    public CompletableFuture<ModelEntry> start(String repo, String revision, String name) {
        FxThread.requireFx();
        if (state.get().active()) throw new IllegalStateException("a download is already running");
        String r = repo == null ? "" : repo.strip();
        String rev = revision == null || revision.isBlank() ? null : revision.strip();
        String n = name == null || name.isBlank() ? null : name.strip();
        CancellationToken t = new CancellationToken();
        token = t;
        pending.set(null);
        state.set(State.RUNNING);
        progress.set(ProgressIndicator.INDETERMINATE_PROGRESS);
        stage.set("starting");
        bytes.set("");
        file.set("");
        message.set("");
        added.set(null);
        DownloadListener listener = new DownloadListener() {
            @Override
            public void stage(String what) {
                Platform.runLater(() -> {
                    if (token == t && state.get().active() && state.get() != State.CANCELLING) stage.set(what);
                });
            }

            @Override
            public void progress(DownloadProgress p) {
                if (pending.getAndSet(p) == null) Platform.runLater(() -> showProgress(t));
            }
        };
        return CompletableFuture.supplyAsync(() -> {
            ModelDownloader downloader = downloaders.apply(library.library());
            try {
                return downloader.download(r, rev, n, listener, t);
            } catch (CancellationException e) {
                discard(downloader, r, rev);
                throw e;
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, thread).handleAsync((entry, err) -> {
            if (err == null) {
                // Listed before the dialog says so, so the picker has it when the artist looks.
                return library.refresh().handle((l, e) -> finished(entry, t));
            }
            if (EngineErrors.isCancellation(err)) {
                finish(State.CANCELLED, "download cancelled; nothing was added");
            } else {
                finish(State.FAILED, EngineErrors.message(err));
            }
            return CompletableFuture.<ModelEntry>failedFuture(err);
        }, FxThread.FX).thenCompose(f -> f);
    }

    private ModelEntry finished(ModelEntry entry, CancellationToken t) {
        progress.set(1);
        added.set(entry);
        finish(State.DONE, (t.isCancelled() ? "the download had finished before it could be cancelled: " : "")
                + "added '" + entry.name() + "' to the library (" + ModelDescriptions.kind(entry) + ")");
        return entry;
    }

    /** Deletes a cancelled download's files; a failure to do so is told, not hidden behind "cancelled". */
    private static void discard(ModelDownloader downloader, String repo, String revision) {
        try {
            downloader.discardPartial(repo, revision);
        } catch (Exception e) {
            throw new CompletionException(new java.io.IOException("download cancelled, but its partial files could not be deleted: "
                    + EngineErrors.message(e), e));
        }
    }

    private void finish(State s, String line) {
        stage.set(s == State.DONE ? "done" : s == State.CANCELLED ? "cancelled" : "failed");
        message.set(line);
        state.set(s);
    }

    private void showProgress(CancellationToken t) {
        DownloadProgress p = pending.getAndSet(null);
        if (p == null || token != t || !state.get().active()) return;
        progress.set(p.fraction());
        bytes.set(String.format(Locale.ROOT, "%d%% · ", (int) Math.floor(p.fraction() * 100))
                + ModelDescriptions.bytes(p.bytesDone(), p.bytesTotal(), p.bytesPerSecond(), p.etaSeconds()));
        file.set(p.file() + "  (file " + p.fileIndex() + " of " + p.fileCount() + ")");
    }

    /** Stops the running download; what it fetched is deleted. */
    public void cancel() {
        FxThread.requireFx();
        if (state.get() != State.RUNNING) return;
        state.set(State.CANCELLING);
        stage.set("cancelling");
        token.cancel();
    }

    public ReadOnlyObjectProperty<State> stateProperty() { return state.getReadOnlyProperty(); }

    /** Fraction done, or {@link ProgressIndicator#INDETERMINATE_PROGRESS} before the sizes are known. */
    public ReadOnlyDoubleProperty progressProperty() { return progress.getReadOnlyProperty(); }

    /** What the download is doing: "listing …", "19 files, 646 KiB …", "validating the model". */
    public ReadOnlyStringProperty stageProperty() { return stage.getReadOnlyProperty(); }

    /** "42% · 1.80 GiB of 4.27 GiB · 23.5 MiB/s · 1m47s left". */
    public ReadOnlyStringProperty bytesProperty() { return bytes.getReadOnlyProperty(); }

    /** The file being fetched: "unet/weights.pb  (file 5 of 19)". */
    public ReadOnlyStringProperty fileProperty() { return file.getReadOnlyProperty(); }

    /** The outcome in one line: added, cancelled, or what went wrong. */
    public ReadOnlyStringProperty messageProperty() { return message.getReadOnlyProperty(); }

    /** The model the last download added. */
    public ReadOnlyObjectProperty<ModelEntry> addedProperty() { return added.getReadOnlyProperty(); }

    @Override
    public void close() {
        if (token != null) token.cancel();
        thread.shutdownNow();
    }
}
