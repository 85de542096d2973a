package dev.emergence.app.ui;

import dev.emergence.app.engine.ModelSummary;
import dev.emergence.app.params.SizePresets;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;

import java.util.function.BiConsumer;

/**
 * The size picker's "Custom…" entry: width × height fields, each checked inline against the
 * model's rule (a multiple of its size multiple, up to twice its native size), and Apply.
 */
final class CustomSizeRow extends VBox {
    private final BiConsumer<Integer, Integer> onResize;
    private final HBox fields = new HBox(6);
    private final Label error = new Label();
    private NumberField<Number> width;
    private NumberField<Number> height;

    CustomSizeRow(BiConsumer<Integer, Integer> onResize) {
        this.onResize = onResize;
        setId("custom-size");
        fields.setAlignment(Pos.CENTER_LEFT);
        error.getStyleClass().add("field-error");
        error.setWrapText(true);
        error.setId("custom-size-error");
        getChildren().addAll(fields, error);
        close();
    }

    /** Shows the fields for this model, filled with the canvas's size. */
    void open(ModelSummary m, int canvasWidth, int canvasHeight) {
        int nativeSize = m == null ? Math.max(canvasWidth, canvasHeight) : m.nativeSize();
        int multiple = m == null ? 8 : m.sizeMultiple();
        width = new NumberField<>(SizePresets.sideRule("width", nativeSize, multiple), new SimpleIntegerProperty(canvasWidth),
                d -> (int) Math.round(d));
        height = new NumberField<>(SizePresets.sideRule("height", nativeSize, multiple), new SimpleIntegerProperty(canvasHeight),
                d -> (int) Math.round(d));
        width.setId("custom-width");
        height.setId("custom-height");
        width.setOnAction(e -> apply());
        height.setOnAction(e -> apply());
        Button apply = new Button("Apply");
        apply.setId("custom-apply");
        apply.setOnAction(e -> apply());
        Label times = new Label("×");
        fields.getChildren().setAll(width, times, height, apply);
        error.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(
                () -> !width.errorProperty().get().isEmpty() ? width.errorProperty().get() : height.errorProperty().get(),
                width.errorProperty(), height.errorProperty()));
        error.visibleProperty().bind(error.textProperty().isNotEmpty());
        error.managedProperty().bind(error.visibleProperty());
        setVisible(true);
        setManaged(true);
    }

    void close() {
        setVisible(false);
        setManaged(false);
    }

    /** Resizes the canvas when both sides are valid; otherwise the reasons stay beside the fields. */
    private void apply() {
        boolean w = width.commit(), h = height.commit();
        if (w && h) {
            onResize.accept((int) Math.round(Double.parseDouble(width.getText())), (int) Math.round(Double.parseDouble(height.getText())));
        }
    }
}
