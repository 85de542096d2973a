package dev.emergence.app.canvas;

import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;

/** The active tool and the brush the artist has set up (one brush for paint, eraser and mask). */
public final class ToolSettings {
    private final ObjectProperty<Tool> tool = new SimpleObjectProperty<>(Tool.BRUSH);
    private final DoubleProperty size = new SimpleDoubleProperty(24);
    private final DoubleProperty hardness = new SimpleDoubleProperty(0.8);
    private final DoubleProperty opacity = new SimpleDoubleProperty(1.0);
    /** RGB of the paint colour. */
    private final IntegerProperty color = new SimpleIntegerProperty(0x2d6cdf);
    /** Fill tolerance, 0..255 per channel. */
    private final IntegerProperty fillTolerance = new SimpleIntegerProperty(24);
    /** Radius of the mask's Feather operation, in pixels. */
    private final IntegerProperty featherRadius = new SimpleIntegerProperty(6);

    public ObjectProperty<Tool> toolProperty() { return tool; }

    public DoubleProperty sizeProperty() { return size; }

    public DoubleProperty hardnessProperty() { return hardness; }

    public DoubleProperty opacityProperty() { return opacity; }

    public IntegerProperty colorProperty() { return color; }

    public IntegerProperty fillToleranceProperty() { return fillTolerance; }

    public IntegerProperty featherRadiusProperty() { return featherRadius; }

    public BrushSettings brush() {
        return new BrushSettings(size.get(), hardness.get(), opacity.get(), color.get());
    }

    /** The [ and ] keys: about 15 % smaller or larger, at least one pixel of change. */
    public void growBrush(boolean larger) {
        double s = size.get();
        double step = Math.max(1, Math.round(s * 0.15));
        size.set(Math.max(BrushSettings.MIN_SIZE, Math.min(BrushSettings.MAX_SIZE, larger ? s + step : s - step)));
    }
}
