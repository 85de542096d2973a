package dev.emergence.app.ui;

import dev.emergence.app.params.NumberRule;
import javafx.beans.property.Property;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;

import java.util.function.Function;

/**
 * A text field for one number property. Typed text is checked against its {@link NumberRule} on
 * Enter or when focus leaves: valid text sets the property, invalid text is refused inline (red
 * outline, the reason in {@link #errorProperty()}) and the property keeps its last valid value.
 * Escape reverts the text.
 */
public final class NumberField<T extends Number> extends TextField {
    private final NumberRule rule;
    private final Property<T> property;
    private final Function<Double, T> fromDouble;
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");

    public NumberField(NumberRule rule, Property<T> property, Function<Double, T> fromDouble) {
        this.rule = rule;
        this.property = property;
        this.fromDouble = fromDouble;
        getStyleClass().add("number-field");
        setPrefColumnCount(5);
        show(property.getValue());
        property.addListener((o, a, b) -> {
            if (!isFocused() || error.get().isEmpty()) show(b);
        });
        setOnAction(e -> commit());
        focusedProperty().addListener((o, was, is) -> {
            if (!is) commit();
        });
        setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ESCAPE && !error.get().isEmpty()) {
                show(property.getValue());
                e.consume();
            }
        });
    }

    /** Checks the text now; returns whether it was accepted. */
    public boolean commit() {
        NumberRule.Parsed p = rule.parse(getText());
        if (!p.ok()) {
            error.set(p.error());
            if (!getStyleClass().contains("invalid")) getStyleClass().add("invalid");
            return false;
        }
        error.set("");
        getStyleClass().remove("invalid");
        T v = fromDouble.apply(p.value());
        if (!v.equals(property.getValue())) property.setValue(v);
        show(v);
        return true;
    }

    private void show(T v) {
        error.set("");
        getStyleClass().remove("invalid");
        setText(v == null ? "" : rule.format(v.doubleValue()));
    }

    /** The reason the text was refused, or "" when it is valid. */
    public ReadOnlyStringProperty errorProperty() { return error.getReadOnlyProperty(); }

    public NumberRule rule() { return rule; }
}
