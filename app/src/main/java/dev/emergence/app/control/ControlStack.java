package dev.emergence.app.control;

import dev.emergence.app.canvas.CanvasSnapshot;
import dev.emergence.engine.control.ControlUnit;
import dev.emergence.engine.control.PreprocessorKind;
import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationRequest;
import javafx.beans.Observable;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * The studio's ControlNets, in order (their residuals are summed). Changes of any layer's settings
 * are changes of the list, so one listener sees them all.
 */
public final class ControlStack {
    private final ObservableList<ControlLayer> layers = FXCollections.observableArrayList(l -> l.all().toArray(Observable[]::new));

    public ObservableList<ControlLayer> layers() {
        return layers;
    }

    /** True while cards are set up from a session or a picture: nothing is asked of the artist then. */
    private boolean restoring;

    public boolean restoring() {
        return restoring;
    }

    /** Runs {@code setUp}, which sets cards up from saved settings, with {@link #restoring} true. */
    public void whileRestoring(Runnable setUp) {
        boolean was = restoring;
        restoring = true;
        try {
            setUp.run();
        } finally {
            restoring = was;
        }
    }

    /** Adds a ControlNet with the default settings (scribble of the paint layer at full strength). */
    public ControlLayer add() {
        if (layers.size() >= GenerationRequest.MAX_CONTROLS) {
            throw new IllegalStateException("at most " + GenerationRequest.MAX_CONTROLS + " ControlNets");
        }
        ControlLayer l = new ControlLayer();
        layers.add(l);
        return l;
    }

    /**
     * Replaces the cards with a picture's ControlNets: each unit's ControlNet folder, preprocessor,
     * thresholds, weight and range, and its source when it was the paint layer or the mask. A unit
     * made from an opened picture gets the picture source without a picture, to be opened again.
     *
     * <p>A picture names its ControlNets by folder; only ControlNets of the library are taken (by that
     * folder, else by its name), so a picture cannot make the studio open a folder elsewhere. A unit
     * whose ControlNet the library lacks keeps its settings without a model, and is named.
     *
     * @param library the library's ControlNets
     * @return one line per unit that needs something, for a notification
     */
    public List<String> restore(List<ControlUnit> units, List<dev.emergence.engine.library.ControlNetEntry> library) {
        List<String> notes = new ArrayList<>();
        whileRestoring(() -> restoreUnits(units, library, notes));
        return notes;
    }

    private void restoreUnits(List<ControlUnit> units, List<dev.emergence.engine.library.ControlNetEntry> library, List<String> notes) {
        layers.clear();
        for (ControlUnit u : units.subList(0, Math.min(units.size(), GenerationRequest.MAX_CONTROLS))) {
            ControlLayer l = add();
            java.nio.file.Path folder = java.nio.file.Path.of(u.model()).normalize();
            String name = folder.getFileName() == null ? u.model() : folder.getFileName().toString();
            java.util.Optional<dev.emergence.engine.library.ControlNetEntry> known = library.stream()
                    .filter(e -> e.folder().toAbsolutePath().normalize().equals(folder.toAbsolutePath())).findFirst()
                    .or(() -> library.stream().filter(e -> e.name().equals(name)).findFirst());
            known.ifPresentOrElse(l.modelProperty()::set,
                    () -> notes.add("ControlNet " + layers.size() + ": " + name + " is not in the library's controlnets folder; pick its model"));
            l.preprocessorProperty().set(u.preprocessor());
            l.weightProperty().set(u.weight());
            l.startProperty().set(u.guidanceStart());
            l.endProperty().set(u.guidanceEnd());
            l.cannyLowProperty().set(u.cannyLowOrDefault());
            l.cannyHighProperty().set(u.cannyHighOrDefault());
            if ("paint layer".equals(u.image())) {
                l.sourceProperty().set(ControlSource.PAINT);
            } else if ("mask".equals(u.image())) {
                l.sourceProperty().set(ControlSource.MASK);
            } else {
                l.sourceProperty().set(ControlSource.PICTURE);
                l.pictureNameProperty().set(u.image() == null ? "" : u.image());
                notes.add("ControlNet " + layers.size() + " (" + name + ") needs its picture" + (u.image() == null ? "" : " " + u.image())
                        + " opened again");
            }
        }
    }

    public List<ControlLayer> active() {
        return layers.stream().filter(ControlLayer::active).toList();
    }

    /**
     * Whether an active ControlNet reads the paint layer. The painting then steers the composition
     * instead of starting the picture: the generation is made from text (with the mask ignored).
     */
    public boolean readsPaint() {
        return active().stream().anyMatch(l -> l.sourceProperty().get() == ControlSource.PAINT);
    }

    /** The mode a generation runs in: the canvas's, unless a ControlNet takes the painting. */
    public GenerationMode mode(GenerationMode canvasMode) {
        return readsPaint() ? GenerationMode.TXT2IMG : canvasMode;
    }

    /** What one generation needs of the ControlNets, copied on the JavaFX thread. */
    public record Plan(List<ControlUnit> units, List<Source> sources) {
        public static final Plan NONE = new Plan(List.of(), List.of());

        /** The pictures, one per unit, from a snapshot of the canvas (any thread). */
        public List<BufferedImage> pictures(CanvasSnapshot canvas) {
            List<BufferedImage> out = new ArrayList<>();
            for (Source s : sources) out.add(ControlLayer.sourcePicture(s.source(), s.kind(), canvas, s.picture()));
            return out;
        }
    }

    /** Where one unit's picture comes from. */
    public record Source(ControlSource source, PreprocessorKind kind, BufferedImage picture) {
    }

    public Plan plan() {
        List<ControlUnit> units = new ArrayList<>();
        List<Source> sources = new ArrayList<>();
        for (ControlLayer l : active()) {
            units.add(l.unit());
            sources.add(new Source(l.sourceProperty().get(), l.preprocessorProperty().get(), l.pictureProperty().get()));
        }
        return units.isEmpty() ? Plan.NONE : new Plan(List.copyOf(units), List.copyOf(sources));
    }
}
