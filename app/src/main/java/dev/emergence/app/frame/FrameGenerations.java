package dev.emergence.app.frame;

import dev.emergence.app.canvas.CanvasDocument;
import dev.emergence.app.canvas.Rect;
import dev.emergence.app.canvas.DocLayer;
import dev.emergence.app.project.GenerationRecord;
import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationRequest;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Optional;

/**
 * The document's generations: plans each run on the frame, lands each result as a layer where it
 * was planned to go, and keeps the history of what made every generated layer (saved in the
 * project file). Used on the JavaFX thread.
 */
public final class FrameGenerations {
    private final CanvasDocument doc;
    private final ObjectProperty<InpaintOptions> options = new SimpleObjectProperty<>(InpaintOptions.DEFAULT);
    private final ObservableList<GenerationRecord> history = FXCollections.observableArrayList();
    /** Refine each picture by the hires fix (2× Lanczos, img2img in tiles) before it lands. */
    private final javafx.beans.property.BooleanProperty hires = new javafx.beans.property.SimpleBooleanProperty(false);
    private final javafx.beans.property.DoubleProperty hiresStrength =
            new javafx.beans.property.SimpleDoubleProperty(dev.emergence.app.generation.HiresFix.DEFAULT_STRENGTH);
    /** Where the running generation's pictures go (a batch shares one). */
    private Placement pending;
    private GenerationMode pendingMode;
    /** The running picture is one of a batch: it joins the batch grid instead of landing. */
    private boolean pendingBatch;
    /** The last batch's pictures, to pick from. */
    private final ObservableList<Pick> picks = FXCollections.observableArrayList();

    /** A picture of a batch, waiting in the grid to be placed as a layer. */
    public record Pick(BufferedImage picture, GenerationRequest request, GenerationMode mode, Placement placement) {
    }

    public FrameGenerations(CanvasDocument doc) {
        this.doc = doc;
    }

    public ObjectProperty<InpaintOptions> optionsProperty() { return options; }

    public InpaintOptions options() { return options.get(); }

    public ObservableList<GenerationRecord> history() { return history; }

    public javafx.beans.property.BooleanProperty hiresProperty() { return hires; }

    public javafx.beans.property.DoubleProperty hiresStrengthProperty() { return hiresStrength; }

    /** The strength of the hires fix's passes, or NaN when it is off. */
    public double hiresStrengthOrOff() { return hires.get() ? hiresStrength.get() : Double.NaN; }

    /** What the next run's plan needs from the document, taken now (on the JavaFX thread). */
    public GenerationArea.Capture capture(int nativeSize, int sizeMultiple) {
        return GenerationArea.capture(doc, nativeSize, sizeMultiple, options.get());
    }

    /** Where a plan's result lands when the run is {@code mode}. */
    public static Placement placementFor(GenerationArea.Plan plan, GenerationMode mode) {
        return mode == plan.mode() ? plan.placement() : Placement.whole(plan.region(), plan.placement().originX(), plan.placement().originY());
    }

    /**
     * The next picture lands at {@code placement}; a batch's picture joins the grid instead
     * ({@code firstOfBatch} clears the grid of the batch before).
     */
    public void expect(Placement placement, GenerationMode mode, boolean batch, boolean firstOfBatch) {
        pending = placement;
        pendingMode = mode;
        pendingBatch = batch;
        if (firstOfBatch) picks.clear();
    }

    public ObservableList<Pick> picks() { return picks; }

    /** Places a picture of the batch grid as a new layer where its batch was made for. */
    public DocLayer place(Pick p) {
        String name = layerName(p.request());
        int index = history.size();
        Rect at = p.placement().regionAt(doc.originX(), doc.originY());
        history.add(new GenerationRecord(p.request(), p.mode(), at, name));
        return doc.addGenerated(name, at, ResultPaste.pixels(p.picture(), p.placement()), index);
    }

    /**
     * Lands a finished picture of the expected run as a new layer named after its prompt and
     * seed; returns the layer, or empty when no run was expected.
     */
    public Optional<DocLayer> land(BufferedImage picture, GenerationRequest request) {
        if (pending == null) return Optional.empty();
        if (pendingBatch) {
            picks.add(new Pick(picture, request, pendingMode, pending));
            return Optional.empty();
        }
        String name = layerName(request);
        int index = history.size();
        Rect at = pending.regionAt(doc.originX(), doc.originY());
        history.add(new GenerationRecord(request, pendingMode, at, name));
        return Optional.of(doc.addGenerated(name, at, ResultPaste.pixels(picture, pending), index));
    }

    /** A picture (a history entry, a scrubbed step) placed as a layer in the frame, scaled to it. */
    public DocLayer place(BufferedImage picture, String name) {
        return doc.addGenerated(name, doc.frame(), ResultPaste.pixels(picture, Placement.whole(doc.frame(), doc.originX(), doc.originY())), -1);
    }

    /** "a red fox in snow · 1234": the prompt's start and the seed. */
    public static String layerName(GenerationRequest r) {
        String p = r.prompt() == null ? "" : r.prompt().strip().replaceAll("\\s+", " ");
        if (p.length() > 40) p = p.substring(0, 39).strip() + "…";
        return (p.isEmpty() ? "(no prompt)" : p) + " · " + r.seed();
    }

    /** The generation the picture shows: that of the topmost visible generated layer. */
    public Optional<GenerationRecord> shown() {
        List<DocLayer> ls = doc.layers();
        for (int i = ls.size() - 1; i >= 0; i--) {
            DocLayer l = ls.get(i);
            if (l.visible() && l.generation() >= 0 && l.generation() < history.size()) return Optional.of(history.get(l.generation()));
        }
        return Optional.empty();
    }

    /** Replaces the history (a project opened or restored). */
    public void restore(List<GenerationRecord> saved) {
        pending = null;
        history.setAll(saved);
    }
}
