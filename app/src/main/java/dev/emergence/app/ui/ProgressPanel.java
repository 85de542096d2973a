package dev.emergence.app.ui;

import dev.emergence.app.generation.GenerationController;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;

/** The generation's progress: a bar with step n/N, iterations per second and time left. */
public final class ProgressPanel extends HBox {
    public ProgressPanel(GenerationController gc) {
        getStyleClass().add("progress-panel");
        setAlignment(Pos.CENTER_LEFT);
        ProgressBar bar = new ProgressBar();
        bar.setId("progress");
        bar.progressProperty().bind(gc.progressProperty());
        bar.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(bar, Priority.ALWAYS);
        Label step = label("progress-step", gc.stepLabelProperty());
        Label rate = label("progress-rate", gc.rateLabelProperty());
        Label eta = label("progress-eta", gc.etaLabelProperty());
        step.setMinWidth(90);
        rate.setMinWidth(80);
        eta.setMinWidth(80);
        getChildren().addAll(bar, step, rate, eta);
    }

    private static Label label(String id, javafx.beans.value.ObservableStringValue text) {
        Label l = new Label();
        l.setId(id);
        l.getStyleClass().add("progress-text");
        l.textProperty().bind(text);
        return l;
    }
}
