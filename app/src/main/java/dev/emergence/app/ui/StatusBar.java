package dev.emergence.app.ui;

import dev.emergence.app.generation.GenerationController;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.beans.binding.Bindings;
import javafx.geometry.Pos;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.util.Duration;

import java.util.Locale;

/** The bottom line: where the engine runs, which model, memory, and what just happened. */
public final class StatusBar extends HBox {
    private final Label device = new Label();
    private final Label model = new Label();
    private final Label memory = new Label();
    private final Label status = new Label();
    private final Label notice = new Label();
    private final HBox noticeActions = new HBox(2);
    private final Timeline memoryTimer = new Timeline(new KeyFrame(Duration.seconds(2), e -> updateMemory()));

    public StatusBar(GenerationController gc) {
        getStyleClass().add("status-bar");
        setId("status-bar");
        setAlignment(Pos.CENTER_LEFT);
        device.setId("status-device");
        device.setGraphic(Icons.icon("mdi2c-chip"));
        device.textProperty().bind(Bindings.createStringBinding(() -> gc.modelProperty().get() == null ? "no device yet"
                : gc.modelProperty().get().device(), gc.modelProperty()));
        model.setId("status-model");
        model.setGraphic(Icons.icon("mdi2c-cube-outline"));
        model.textProperty().bind(Bindings.createStringBinding(() -> gc.modelProperty().get() != null ? gc.modelProperty().get().label()
                : !gc.loadingProperty().get().isEmpty() ? "loading " + gc.loadingProperty().get() + "…"
                : "no model: import one", gc.modelProperty(), gc.loadingProperty()));
        memory.setId("status-memory");
        memory.setGraphic(Icons.icon("mdi2m-memory"));
        status.setId("status-text");
        status.textProperty().bind(gc.statusProperty());
        status.setMinWidth(0);
        notice.setId("status-notice");
        notice.setMinWidth(0);
        notice.getStyleClass().add("status-notice");
        noticeActions.setMinWidth(Region.USE_PREF_SIZE);
        noticeActions.setAlignment(Pos.CENTER_LEFT);
        clearNotice();
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        ProgressBar busy = new ProgressBar(ProgressBar.INDETERMINATE_PROGRESS);
        busy.getStyleClass().add("busy");
        busy.setPrefWidth(60);
        busy.visibleProperty().bind(Bindings.createBooleanBinding(() -> gc.state().busy(), gc.stateProperty()));
        getChildren().addAll(device, sep(), model, sep(), memory, sep(), notice, noticeActions, gap, status, busy);
        HBox.setHgrow(notice, Priority.SOMETIMES);
        updateMemory();
        memoryTimer.setCycleCount(Timeline.INDEFINITE);
        memoryTimer.play();
    }

    /** A link beside a notice; {@code id} names it for tests and styles. */
    public record Action(String id, String text, Runnable run) {
    }

    /**
     * A line that stays until the next one (unlike the notifications, which hide themselves):
     * for what the artist must be able to read later, such as where damaged files were kept.
     */
    public void notice(String text) {
        notice(text, new Action[0]);
    }

    /** A notice with one action ("Deleted x.png" with "Undo"), id {@code status-notice-action}. */
    public void notice(String text, String actionText, Runnable action) {
        notice(text, new Action("status-notice-action", actionText, action));
    }

    /** A notice with actions beside it; choosing one clears the notice, then runs it. */
    public void notice(String text, Action... actions) {
        notice.setText(text);
        notice.setTooltip(new Tooltip(text));
        notice.setVisible(true);
        notice.setManaged(true);
        noticeActions.getChildren().clear();
        for (Action a : actions) {
            Hyperlink link = new Hyperlink(a.text());
            link.setId(a.id());
            link.setOnAction(e -> {
                clearNotice();
                a.run().run();
            });
            noticeActions.getChildren().add(link);
        }
    }

    public void clearNotice() {
        notice.setText("");
        notice.setTooltip(null);
        notice.setVisible(false);
        notice.setManaged(false);
        noticeActions.getChildren().clear();
    }

    public String noticeText() { return notice.getText(); }

    /** Stops the memory readout (the window is closing). */
    public void stop() {
        memoryTimer.stop();
    }

    /** Java heap in use of its maximum (the ONNX sessions' native memory is not counted by the JVM). */
    private void updateMemory() {
        Runtime r = Runtime.getRuntime();
        long used = (r.totalMemory() - r.freeMemory()) >> 20, max = r.maxMemory() >> 20;
        memory.setText(String.format(Locale.ROOT, "heap %d / %d MB", used, max));
    }

    private static Region sep() {
        Region r = new Region();
        r.getStyleClass().add("status-sep");
        return r;
    }
}
