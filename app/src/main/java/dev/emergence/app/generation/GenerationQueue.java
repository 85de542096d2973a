package dev.emergence.app.generation;

import dev.emergence.app.canvas.CanvasSnapshot;
import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationRequest;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Pictures waiting to be made, one after another: Generate while a picture is being made queues
 * the next, a batch count queues one job per seed, each waiting job can be taken out, and Cancel
 * (or a failure) of a batch's picture drops the rest of that batch. Used on the JavaFX thread.
 */
public final class GenerationQueue {
    private static final AtomicLong IDS = new AtomicLong();

    /**
     * One picture to make, and where it goes ({@code placement} is the studio's: where the result lands).
     *
     * @param index its place in its batch (0-based), of {@code count}
     */
    public record Job(long id, long batch, int index, int count, GenerationRequest request, CanvasSnapshot snapshot, GenerationMode mode,
                      Function<CanvasSnapshot, List<BufferedImage>> controlPictures, double hiresStrength, Object placement) {
        public String label() {
            String p = request.prompt() == null ? "" : request.prompt().strip();
            if (p.length() > 28) p = p.substring(0, 27) + "…";
            return (p.isEmpty() ? "(no prompt)" : p) + " · seed " + request.seed() + (count > 1 ? " (" + (index + 1) + " of " + count + ")" : "");
        }
    }

    private final GenerationController gc;
    private final Consumer<Job> starting;
    private final ObservableList<Job> waiting = FXCollections.observableArrayList();
    private final ReadOnlyObjectWrapper<Job> current = new ReadOnlyObjectWrapper<>();
    private boolean ended;

    /** @param starting told just before a job starts (the studio sets where its result lands) */
    public GenerationQueue(GenerationController gc, Consumer<Job> starting) {
        this.gc = gc;
        this.starting = starting;
        gc.stateProperty().addListener((o, a, s) -> {
            if (s == GenerationState.CANCELLING) ended = true;
            // The result (or the error) is handed out right after the state changes: move on after that.
            if (a != null && a.busy() && !s.busy()) Platform.runLater(this::advance);
        });
    }

    /** A batch's jobs (seeds s, s + 1, …) sharing one snapshot and placement. */
    public static List<Job> batch(GenerationRequest first, int count, CanvasSnapshot snapshot, GenerationMode mode,
                                  Function<CanvasSnapshot, List<BufferedImage>> controlPictures, double hiresStrength, Object placement) {
        long batch = IDS.incrementAndGet();
        return java.util.stream.IntStream.range(0, count).mapToObj(i -> new Job(IDS.incrementAndGet(), batch, i, count,
                first.withSeed(first.seed() + i), snapshot, mode, controlPictures, hiresStrength, placement)).toList();
    }

    /** Queues jobs; the first starts at once when nothing is being made. */
    public void submit(List<Job> jobs) {
        waiting.addAll(jobs);
        if (current.get() == null && gc.state() == GenerationState.READY) startNext();
    }

    /** The running picture failed: the rest of its batch is dropped. */
    public void failed() {
        ended = true;
    }

    /** Takes a waiting job out. */
    public void remove(Job j) {
        waiting.remove(j);
    }

    public ObservableList<Job> waiting() { return waiting; }

    public ReadOnlyObjectProperty<Job> currentProperty() { return current.getReadOnlyProperty(); }

    private void advance() {
        if (gc.state().busy()) return;
        Job done = current.get();
        if (done != null) {
            current.set(null);
            if (ended) waiting.removeIf(j -> j.batch() == done.batch());
        }
        ended = false;
        if (gc.state() == GenerationState.READY) startNext();
    }

    private void startNext() {
        while (!waiting.isEmpty()) {
            Job j = waiting.remove(0);
            starting.accept(j);
            current.set(j);
            ended = false;
            if (gc.generate(j.request(), j.snapshot(), j.mode(), j.controlPictures(), j.hiresStrength())) return;
            current.set(null);
            waiting.removeIf(w -> w.batch() == j.batch());
        }
    }
}
