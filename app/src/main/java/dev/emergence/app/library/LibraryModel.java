package dev.emergence.app.library;

import dev.emergence.app.fx.FxThread;
import dev.emergence.engine.library.ControlNetEntry;
import dev.emergence.engine.library.LoraEntry;
import dev.emergence.engine.library.ModelEntry;
import dev.emergence.engine.library.ModelLibrary;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * The model library as the studio shows it: every model with the engine's summary
 * ({@link #entries()}) and the usable ones, embedded first, for the model picker ({@link #choices()}).
 *
 * <p>Every call into the engine's {@link ModelLibrary} (which reads folders, opens models to
 * summarise them and copies files) runs on this class's worker thread, one at a time, and is
 * followed by a fresh listing, so the lists always show what is on disk, also after a failure.
 * The lists change only on the JavaFX thread; the methods are called there and their futures
 * complete there, after the lists show the change.
 */
public final class LibraryModel implements AutoCloseable {
    private final Supplier<ModelLibrary> opener;
    private final ExecutorService worker = FxThread.worker("model-library");
    private final ObservableList<ModelEntry> entries = FXCollections.observableArrayList();
    private final ObservableList<ModelChoice> choices = FXCollections.observableArrayList();
    private final ObservableList<LoraEntry> loras = FXCollections.observableArrayList();
    private final ObservableList<ControlNetEntry> controlNets = FXCollections.observableArrayList();
    private final ReadOnlyObjectWrapper<Path> root = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyStringWrapper activity = new ReadOnlyStringWrapper("");
    private int running;
    private ModelLibrary library;

    /** @param opener makes the library (called once, off the JavaFX thread) */
    public LibraryModel(Supplier<ModelLibrary> opener) {
        this.opener = opener;
    }

    /** The engine's library, made on first use. Never on the JavaFX thread: the library is thread-safe, but slow. */
    synchronized ModelLibrary library() {
        if (library == null) library = opener.get();
        return library;
    }

    /** Reads the library again (new folders, changed files, links that broke). */
    public CompletableFuture<List<ModelEntry>> refresh() {
        return run("reading the library", () -> null).thenApply(v -> List.copyOf(entries));
    }

    /**
     * Imports a model folder under {@code name}: a copy, or with {@code link} the folder where it is.
     * The engine opens it first; a folder it cannot use fails with the engine's one-line reason and adds nothing.
     */
    public CompletableFuture<ModelEntry> importFolder(Path folder, String name, boolean link) {
        return run((link ? "linking " : "copying ") + folder.getFileName() + " into the library",
                () -> library().importFolder(folder, name, link));
    }

    /** Removes a library model (a copy's files, a linked model's link only). */
    public CompletableFuture<Void> remove(String name) {
        return run("removing " + name, () -> {
            library().remove(name);
            return null;
        });
    }

    /** A name for a model imported from {@code folder}: after the folder, made valid, and not one the library already has. */
    public CompletableFuture<String> suggestName(Path folder) {
        return ask(() -> {
            Path last = folder.getFileName();
            String base = ModelLibrary.suggestName(last == null ? "model" : last.toString());
            String name = base;
            for (int i = 2; library().contains(name) || name.equalsIgnoreCase(ModelLibrary.EMBEDDED_NAME); i++) name = base + "-" + i;
            return name;
        });
    }

    /** Reads from the library on the worker thread, changing nothing and listing nothing. */
    private <T> CompletableFuture<T> ask(Work<T> work) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return work.call();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, worker).thenApplyAsync(v -> v, FxThread.FX);
    }

    /** Work with the library that may fail with the engine's one-line reason. */
    @FunctionalInterface
    interface Work<T> {
        T call() throws Exception;
    }

    private record Outcome<T>(T value, Throwable failure, List<ModelEntry> listing, List<LoraEntry> loras, List<ControlNetEntry> controlNets, Path root) {
    }

    private <T> CompletableFuture<T> run(String what, Work<T> work) {
        FxThread.requireFx();
        running++;
        busy.set(true);
        activity.set(what);
        return CompletableFuture.supplyAsync(() -> {
            T value = null;
            Throwable failure = null;
            try {
                value = work.call();
            } catch (Exception | LinkageError e) {
                failure = e;
            }
            List<ModelEntry> listing = null;
            List<LoraEntry> loraListing = null;
            List<ControlNetEntry> netListing = null;
            Path folder = null;
            try {
                folder = library().root();
                listing = library().list();
                loraListing = library().listLoras();
                netListing = library().listControlNets();
            } catch (Exception e) {
                if (failure == null) failure = e;
            }
            return new Outcome<>(value, failure, listing, loraListing, netListing, folder);
        }, worker).thenApplyAsync(o -> {
            if (--running == 0) {
                busy.set(false);
                activity.set("");
            }
            if (o.root() != null) root.set(o.root());
            if (o.listing() != null) show(o.listing());
            if (o.loras() != null && !o.loras().equals(loras)) loras.setAll(o.loras());
            if (o.controlNets() != null && !o.controlNets().equals(controlNets)) controlNets.setAll(o.controlNets());
            if (o.failure() != null) throw new CompletionException(o.failure());
            return o.value();
        }, FxThread.FX);
    }

    private void show(List<ModelEntry> listing) {
        entries.setAll(listing);
        List<ModelChoice> usable = listing.stream().filter(ModelEntry::usable)
                .map(e -> new ModelChoice(e.name(), e.folder().toAbsolutePath().normalize(),
                        e.source() == ModelEntry.Source.EMBEDDED, ModelDescriptions.kind(e)))
                .toList();
        // Unchanged choices are left alone, so the picker's selection does not flicker.
        if (!usable.equals(choices)) choices.setAll(usable);
    }

    /** Every model, usable or not, the embedded one first (FX thread). */
    public ObservableList<ModelEntry> entries() {
        return entries;
    }

    /** The usable models for the picker, embedded first, then by name (FX thread). */
    public ObservableList<ModelChoice> choices() {
        return choices;
    }

    /** The LoRA files of the library's loras folder, by name (FX thread); read with every listing. */
    public ObservableList<LoraEntry> loras() {
        return loras;
    }

    /** The ControlNets of the library's controlnets folder, by name (FX thread); read with every listing. */
    public ObservableList<ControlNetEntry> controlNets() {
        return controlNets;
    }

    /** Where ControlNet folders go, once the library has been read. */
    public Path controlNetsFolder() {
        Path r = root.get();
        return r == null ? null : r.resolve(ModelLibrary.CONTROLNETS);
    }

    /** Where LoRA files go, once the library has been read. */
    public Path lorasFolder() {
        Path r = root.get();
        return r == null ? null : r.resolve(ModelLibrary.LORAS);
    }

    /** The library's folder, once it has been read. */
    public ReadOnlyObjectProperty<Path> rootProperty() {
        return root.getReadOnlyProperty();
    }

    /** True while the worker is reading or changing the library. */
    public ReadOnlyBooleanProperty busyProperty() {
        return busy.getReadOnlyProperty();
    }

    /** What the worker is doing ("copying x into the library"), or "". */
    public ReadOnlyStringProperty activityProperty() {
        return activity.getReadOnlyProperty();
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
