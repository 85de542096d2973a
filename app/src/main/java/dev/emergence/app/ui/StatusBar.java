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
    private final Hyperlink noticeAction = new Hyperlink();
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
        model.textProperty().bind(Bindings.createStringBinding(() -> gc.modelProperty().get() == null ? "no model: import one"
                : gc.modelProperty().get().label(), gc.modelProperty()));
        memory.setId("status-memory");
        memory.setGraphic(Icons.icon("mdi2m-memory"));
        status.setId("status-text");
        status.textProperty().bind(gc.statusProperty());
        status.setMinWidth(0);
        notice.setId("status-notice");
        notice.setMinWidth(0);
        notice.getStyleClass().add("status-notice");
        noticeAction.setId("status-notice-action");
        noticeAction.setMinWidth(Region.USE_PREF_SIZE);
        clearNotice();
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        ProgressBar busy = new ProgressBar(ProgressBar.INDETERMINATE_PROGRESS);
        busy.getStyleClass().add("busy");
        busy.setPrefWidth(60);
        busy.visibleProperty().bind(Bindings.createBooleanBinding(() -> gc.state().busy(), gc.stateProperty()));
        getChildren().addAll(device, sep(), model, sep(), memory, sep(), notice, noticeAction, gap, status, busy);
        HBox.setHgrow(notice, Priority.SOMETIMES);
        updateMemory();
        memoryTimer.setCycleCount(Timeline.INDEFINITE);
        memoryTimer.play();
    }

    /**
     * A line that stays until the next one (unlike the notifications, which hide themselves):
     * for what the artist must be able to read later, such as where damaged files were kept.
     */
    public void notice(String text) {
        notice(text, null, null);
    }

    /** A notice with one action beside it ("Deleted x.png" with "Undo"); the action clears the notice. */
    public void notice(String text, String actionText, Runnable action) {
        notice.setText(text);
        notice.setTooltip(new Tooltip(text));
        notice.setVisible(true);
        notice.setManaged(true);
        boolean hasAction = actionText != null && action != null;
        noticeAction.setText(hasAction ? actionText : "");
        noticeAction.setOnAction(hasAction ? e -> {
            clearNotice();
            action.run();
        } : null);
        noticeAction.setVisible(hasAction);
        noticeAction.setManaged(hasAction);
    }

    public void clearNotice() {
        notice.setText("");
        notice.setTooltip(null);
        notice.setVisible(false);
        notice.setManaged(false);
        noticeAction.setOnAction(null);
        noticeAction.setVisible(false);
        noticeAction.setManaged(false);
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
