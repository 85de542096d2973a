package dev.emergence.app.ui;

import dev.emergence.app.params.NumberRule;
import javafx.beans.property.Property;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.function.Function;

/** A labelled slider with an editable number beside it and the field's inline error below. */
public final class SliderRow<T extends Number> extends VBox {
    private final Slider slider;
    private final NumberField<T> field;

    public SliderRow(String label, NumberRule rule, Property<T> property, Function<Double, T> fromDouble, String id) {
        getStyleClass().add("slider-row");
        Label name = new Label(label);
        name.getStyleClass().add("field-label");
        name.setMinWidth(64);
        slider = new Slider(rule.min(), rule.max(), property.getValue().doubleValue());
        slider.setId(id + "-slider");
        HBox.setHgrow(slider, Priority.ALWAYS);
        field = new NumberField<>(rule, property, fromDouble);
        field.setId(id);
        field.setPrefColumnCount(4);
        name.setLabelFor(field);
        // Slider → property (snapped to the rule's step); property → slider.
        slider.valueProperty().addListener((o, a, b) -> {
            if (slider.isValueChanging() || slider.isFocused() || slider.isHover()) {
                T v = fromDouble.apply(rule.snap(b.doubleValue()));
                if (!v.equals(property.getValue())) property.setValue(v);
            }
        });
        property.addListener((o, a, b) -> {
            if (Math.abs(slider.getValue() - b.doubleValue()) > 1e-9) slider.setValue(b.doubleValue());
        });
        HBox row = new HBox(8, name, slider, field);
        row.setAlignment(Pos.CENTER_LEFT);
        Label error = new Label();
        error.getStyleClass().add("field-error");
        error.textProperty().bind(field.errorProperty());
        error.visibleProperty().bind(field.errorProperty().isNotEmpty());
        error.managedProperty().bind(error.visibleProperty());
        error.setWrapText(true);
        getChildren().addAll(row, error);
    }

    public Slider slider() { return slider; }

    public NumberField<T> field() { return field; }
}
