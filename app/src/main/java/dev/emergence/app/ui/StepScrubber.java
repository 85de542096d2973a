package dev.emergence.app.ui;

import dev.emergence.app.generation.GenerationController;
import dev.emergence.app.generation.GenerationState;
import dev.emergence.app.generation.StepImageCache;
import dev.emergence.app.generation.LiveFrame;
import dev.emergence.app.generation.StepRecord;
import dev.emergence.app.generation.ViewChoice;
import dev.emergence.engine.pipeline.PreviewKind;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.Locale;

/**
 * The timeline under the preview: drag it to see any step of the last generation as its noisy
 * latent, its x0 jump, or both side by side, with thumbnails along it. Pictures are decoded on
 * demand by the engine and cached, so going back over steps already seen is instant. The Live
 * button goes back to following the generation (and its result).
 */
public final class StepScrubber extends VBox {
    private static final int THUMBNAILS = 10;

    private final GenerationController gc;
    private final PreviewPane pane;
    private final ObjectProperty<Image> followImage;
    private final Slider slider = new Slider(1, 1, 1);
    private final Label stepInfo = new Label("no steps yet");
    private final ToggleButton live = new ToggleButton("Live");
    private final ToggleGroup views = new ToggleGroup();
    private final ToggleButton x0Button = new ToggleButton("x0");
    private final ToggleButton latentButton = new ToggleButton("latent");
    private final ToggleButton bothButton = new ToggleButton("both");
    private final HBox thumbnails = new HBox(4);
    private final BooleanProperty following = new SimpleBooleanProperty(true);
    private boolean programmatic;
    private Image shownLatent;
    private Image shownX0;
    private int shownStep = -1;
    private String followCaption = "";

    public StepScrubber(GenerationController gc, PreviewPane pane, ObjectProperty<Image> followImage) {
        this.gc = gc;
        this.pane = pane;
        this.followImage = followImage;
        getStyleClass().add("step-scrubber");
        slider.setId("scrubber");
        slider.setMajorTickUnit(1);
        slider.setMinorTickCount(0);
        slider.setSnapToTicks(true);
        slider.setBlockIncrement(1);
        slider.setDisable(true);
        HBox.setHgrow(slider, Priority.ALWAYS);
        live.setId("live");
        live.setSelected(true);
        Icons.decorate(live, "mdi2p-play-circle-outline", "Follow the generation and show its result", null);
        x0Button.setId("view-x0");
        latentButton.setId("view-latent");
        bothButton.setId("view-both");
        Icons.tooltip(x0Button, "The clean picture the model predicts at this step: x0 = latent − σ·noise");
        Icons.tooltip(latentButton, "The noisy latent the next step starts from");
        Icons.tooltip(bothButton, "The noisy latent beside its x0 jump");
        for (ToggleButton b : new ToggleButton[] {x0Button, latentButton, bothButton}) {
            b.setToggleGroup(views);
            b.getStyleClass().add("segment");
        }
        x0Button.setSelected(true);
        stepInfo.getStyleClass().add("step-info");
        stepInfo.setId("step-info");
        stepInfo.setMinWidth(150);
        for (javafx.scene.control.Control c : new javafx.scene.control.Control[] {live, x0Button, latentButton, bothButton}) {
            c.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        }

        HBox controls = new HBox(8, live, slider, stepInfo, new HBox(0, x0Button, latentButton, bothButton));
        controls.setAlignment(Pos.CENTER_LEFT);
        thumbnails.getStyleClass().add("thumbnails");
        thumbnails.setAlignment(Pos.CENTER_LEFT);
        thumbnails.setMinHeight(40);
        getChildren().addAll(controls, thumbnails);

        following.bind(live.selectedProperty());
        live.selectedProperty().addListener((o, a, b) -> {
            if (b) showFollow();
            else showStep(currentStep());
        });
        slider.valueProperty().addListener((o, a, b) -> {
            if (programmatic) return;
            int step = (int) Math.round(b.doubleValue());
            if (live.isSelected()) live.setSelected(false);
            showStep(step);
        });
        views.selectedToggleProperty().addListener((o, a, b) -> {
            if (b == null) {
                // A segment control always has one choice.
                (a != null ? a : x0Button).setSelected(true);
                return;
            }
            gc.viewChoiceProperty().set(viewChoice());
            if (!live.isSelected()) showStep(currentStep());
            else showFollow();
        });
        gc.liveFrameProperty().addListener((o, a, b) -> {
            if (live.isSelected() && b != null) showFollow();
        });
        gc.recordedStepsProperty().addListener((o, a, b) -> stepsChanged(b.intValue()));
        gc.stateProperty().addListener((o, a, b) -> {
            if (b == GenerationState.RUNNING) {
                live.setSelected(true);
                thumbnails.getChildren().clear();
                shownStep = -1;
            } else if (a.busy() && !b.busy()) {
                stepsChanged(gc.timeline().size());
                buildThumbnails();
            }
        });
        followImage.addListener((o, a, b) -> {
            if (live.isSelected()) showFollow();
        });
        gc.previewKindProperty().addListener((o, a, b) -> {
            buildThumbnails();
            if (!live.isSelected()) showStep(currentStep());
        });
    }

    /** The caption under the followed picture ("live preview, step 3/20", "result"). */
    public void setFollowCaption(String caption) {
        followCaption = caption;
        if (live.isSelected()) showFollow();
    }

    private void stepsChanged(int n) {
        programmatic = true;
        try {
            slider.setDisable(n < 1);
            slider.setMax(Math.max(1, n));
            if (live.isSelected()) slider.setValue(Math.max(1, n));
        } finally {
            programmatic = false;
        }
        if (live.isSelected()) stepInfo.setText(n == 0 ? "no steps yet" : n + " step" + (n == 1 ? "" : "s") + " recorded");
    }

    private int currentStep() {
        return (int) Math.round(slider.getValue());
    }

    private void showFollow() {
        shownStep = -1;
        LiveFrame frame = gc.liveFrameProperty().get();
        if (gc.state().busy() && frame != null) {
            showLive(frame);
        } else {
            pane.showPicture(followImage.get(), followCaption);
        }
        pane.setTitle(gc.state() == GenerationState.RUNNING ? "Live preview" : "Result");
    }

    /**
     * The running generation's newest step in the chosen view. A view the frame was not decoded
     * in (the artist switched since) comes from the step cache at once when it is there, else is
     * decoded now; the next step arrives decoded in the new view anyway.
     */
    private void showLive(LiveFrame frame) {
        ViewChoice choice = viewChoice();
        Image x0 = frame.x0(), latent = frame.latent();
        if (choice.wants(StepRecord.View.X0) && x0 == null) x0 = liveView(frame, StepRecord.View.X0);
        if (choice.wants(StepRecord.View.LATENT) && latent == null) latent = liveView(frame, StepRecord.View.LATENT);
        switch (choice) {
            case X0 -> pane.showPicture(x0, followCaption);
            case LATENT -> pane.showPicture(latent, followCaption + " · noisy latent");
            case SIDE_BY_SIDE -> pane.showPair(latent, "noisy latent", x0, followCaption);
        }
    }

    private Image liveView(LiveFrame frame, StepRecord.View view) {
        StepImageCache.Key key = new StepImageCache.Key(frame.generation(), frame.step(), view, gc.previewKindProperty().get());
        Image hit = gc.stepImages().cached(key);
        if (hit != null) return hit;
        StepRecord r = gc.timeline().get(frame.step());
        if (r != null) {
            gc.stepImages().request(key, r, img -> {
                if (live.isSelected() && gc.liveFrameProperty().get() == frame) showFollow();
            });
        }
        return null;
    }

    /** Shows step {@code step} (1-based) in the chosen view, decoding what is not cached yet. */
    public void showStep(int step) {
        StepRecord r = gc.timeline().get(step - 1);
        if (r == null) return;
        ViewChoice choice = viewChoice();
        long gen = gc.timeline().generation();
        PreviewKind kind = gc.previewKindProperty().get();
        if (shownStep != step) {
            shownLatent = null;
            shownX0 = null;
        }
        shownStep = step;
        stepInfo.setText(String.format(Locale.ROOT, "step %d/%d · t %.0f · σ %.3f", step, r.count(), r.timestep(), r.sigma()));
        pane.setTitle("Step " + step + " of " + r.count());
        render(choice, r);
        if (choice != ViewChoice.LATENT) request(gen, step, r, StepRecord.View.X0, kind);
        if (choice != ViewChoice.X0) request(gen, step, r, StepRecord.View.LATENT, kind);
    }

    private void request(long gen, int step, StepRecord r, StepRecord.View view, PreviewKind kind) {
        gc.stepImages().request(new StepImageCache.Key(gen, step - 1, view, kind), r, img -> {
            if (shownStep != step || live.isSelected()) return;
            if (view == StepRecord.View.X0) shownX0 = img;
            else shownLatent = img;
            render(viewChoice(), r);
        });
    }

    private void render(ViewChoice choice, StepRecord r) {
        switch (choice) {
            case X0 -> pane.showPicture(shownX0, "x0 jump");
            case LATENT -> pane.showPicture(shownLatent, "noisy latent");
            case SIDE_BY_SIDE -> pane.showPair(shownLatent, "noisy latent", shownX0, "x0 jump");
        }
    }

    private ViewChoice viewChoice() {
        if (latentButton.isSelected()) return ViewChoice.LATENT;
        if (bothButton.isSelected()) return ViewChoice.SIDE_BY_SIDE;
        return ViewChoice.X0;
    }

    public void setViewChoice(ViewChoice c) {
        (c == ViewChoice.LATENT ? latentButton : c == ViewChoice.SIDE_BY_SIDE ? bothButton : x0Button).setSelected(true);
    }

    /** Small x0 pictures at evenly spaced steps; clicking one jumps there. Fast decoder, always. */
    private void buildThumbnails() {
        thumbnails.getChildren().clear();
        int n = gc.timeline().size();
        if (n == 0) return;
        long gen = gc.timeline().generation();
        int count = Math.min(THUMBNAILS, n);
        for (int i = 0; i < count; i++) {
            int step = count == 1 ? n : 1 + (int) Math.round(i * (n - 1) / (double) (count - 1));
            StepRecord r = gc.timeline().get(step - 1);
            ImageView v = new ImageView();
            v.setFitWidth(40);
            v.setFitHeight(40);
            v.setPreserveRatio(true);
            v.getStyleClass().add("thumb");
            VBox box = new VBox(v);
            box.getStyleClass().add("thumb-box");
            box.setOnMouseClicked(e -> {
                live.setSelected(false);
                slider.setValue(step);
                showStep(step);
            });
            javafx.scene.control.Tooltip.install(box, new javafx.scene.control.Tooltip("step " + step));
            thumbnails.getChildren().add(box);
            // Queued, not latest-wins: every thumbnail is wanted.
            gc.stepImages().requestQueued(new StepImageCache.Key(gen, step - 1, StepRecord.View.X0, PreviewKind.LATENT_RGB), r, v::setImage);
        }
    }

    /**
     * The step picture on screen while the artist scrubs (the x0 jump, also when shown beside its
     * latent; the latent when that alone is shown); empty while following, or still decoding.
     */
    public java.util.Optional<Image> scrubbedPicture() {
        if (live.isSelected() || shownStep < 0) return java.util.Optional.empty();
        return java.util.Optional.ofNullable(viewChoice() == ViewChoice.LATENT ? shownLatent : shownX0);
    }

    public Slider slider() { return slider; }

    public ToggleButton liveButton() { return live; }

    public BooleanProperty followingProperty() { return following; }
}
