package dev.emergence.app.control;

import dev.emergence.app.canvas.CanvasSnapshot;
import dev.emergence.app.canvas.Layer;
import dev.emergence.app.params.NumberRule;
import dev.emergence.engine.control.ControlUnit;
import dev.emergence.engine.control.PreprocessorKind;
import dev.emergence.engine.library.ControlNetEntry;
import javafx.beans.Observable;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * One ControlNet steering the studio's generations: which ControlNet, where its picture comes
 * from, how that picture is made into the control picture, and how strongly and when it steers.
 * Its properties change on the JavaFX thread; {@link #unit} and {@link #sourcePicture} take a
 * consistent copy for a generation.
 */
public final class ControlLayer {
    public static final NumberRule WEIGHT = NumberRule.stepped("control weight", 0, ControlUnit.MAX_WEIGHT, 0.05);
    public static final NumberRule FRACTION = NumberRule.stepped("schedule fraction", 0, 1, 0.01);
    public static final NumberRule THRESHOLD = NumberRule.whole("Canny threshold", 0, (long) ControlUnit.MAX_THRESHOLD);

    private final BooleanProperty enabled = new SimpleBooleanProperty(true);
    private final ObjectProperty<ControlNetEntry> model = new SimpleObjectProperty<>();
    private final ObjectProperty<ControlSource> source = new SimpleObjectProperty<>(ControlSource.PAINT);
    private final ObjectProperty<BufferedImage> picture = new SimpleObjectProperty<>();
    private final StringProperty pictureName = new SimpleStringProperty("");
    private final ObjectProperty<java.nio.file.Path> pictureFile = new SimpleObjectProperty<>();
    private final ObjectProperty<PreprocessorKind> preprocessor = new SimpleObjectProperty<>(PreprocessorKind.SCRIBBLE);
    private final DoubleProperty weight = new SimpleDoubleProperty(1.0);
    private final DoubleProperty start = new SimpleDoubleProperty(0.0);
    private final DoubleProperty end = new SimpleDoubleProperty(1.0);
    private final DoubleProperty cannyLow = new SimpleDoubleProperty(100);
    private final DoubleProperty cannyHigh = new SimpleDoubleProperty(200);

    public BooleanProperty enabledProperty() { return enabled; }

    public ObjectProperty<ControlNetEntry> modelProperty() { return model; }

    public ObjectProperty<ControlSource> sourceProperty() { return source; }

    /** The opened picture, for {@link ControlSource#PICTURE}. */
    public ObjectProperty<BufferedImage> pictureProperty() { return picture; }

    /** The opened picture's file name, recorded as the control's image. */
    public StringProperty pictureNameProperty() { return pictureName; }

    /** The file the opened picture came from, so a session can read it again. */
    public ObjectProperty<java.nio.file.Path> pictureFileProperty() { return pictureFile; }

    public ObjectProperty<PreprocessorKind> preprocessorProperty() { return preprocessor; }

    public DoubleProperty weightProperty() { return weight; }

    /** Fraction of the schedule before which it does not act. */
    public DoubleProperty startProperty() { return start; }

    /** Fraction of the schedule after which it no longer acts. */
    public DoubleProperty endProperty() { return end; }

    public DoubleProperty cannyLowProperty() { return cannyLow; }

    public DoubleProperty cannyHighProperty() { return cannyHigh; }

    /** Every property, for listeners that refresh a preview or save the session. */
    public List<Observable> all() {
        return List.of(enabled, model, source, picture, preprocessor, weight, start, end, cannyLow, cannyHigh);
    }

    /** Whether it takes part in the next generation: on, with a ControlNet and a picture to read. */
    public boolean active() {
        return enabled.get() && model.get() != null && (source.get() != ControlSource.PICTURE || picture.get() != null);
    }

    /** The request's record of it (FX thread). */
    public ControlUnit unit() {
        String image = switch (source.get()) {
            case PAINT -> "paint layer";
            case MASK -> "mask";
            case PICTURE -> pictureName.get();
        };
        ControlUnit u = new ControlUnit(model.get().folder().toString(), preprocessor.get(), weight.get(), start.get(), end.get())
                .withImage(image);
        return preprocessor.get() == PreprocessorKind.CANNY ? u.withCanny(cannyLow.get(), cannyHigh.get(), false) : u;
    }

    /** A copy of what makes the control picture (FX thread), to make it elsewhere. */
    public Settings settings() {
        return new Settings(source.get(), preprocessor.get(), picture.get(), cannyLow.get(), cannyHigh.get());
    }

    /** What makes a control picture, copied. */
    public record Settings(ControlSource source, PreprocessorKind kind, BufferedImage picture, double cannyLow, double cannyHigh) {
        /** The control picture the ControlNet would see for this canvas, at the canvas's size; null without a picture (any thread). */
        public BufferedImage controlPicture(CanvasSnapshot canvas) {
            BufferedImage from = sourcePicture(source, kind, canvas, picture);
            if (from == null) return null;
            ControlUnit u = new ControlUnit("", kind, 1, 0, 1);
            if (kind == PreprocessorKind.CANNY) u = u.withCanny(cannyLow, cannyHigh, false);
            return u.createPreprocessor().apply(from, canvas.paint().width(), canvas.paint().height());
        }
    }

    /**
     * The picture the preprocessor reads, from a snapshot of the canvas (any thread): a scribble of
     * the paint layer is its strokes' coverage as white on black, so a stroke of any colour is a
     * line; any other use of the paint layer is the painting on white paper, as img2img sees it.
     */
    public static BufferedImage sourcePicture(ControlSource source, PreprocessorKind kind, CanvasSnapshot canvas, BufferedImage picture) {
        return switch (source) {
            case PAINT -> kind == PreprocessorKind.SCRIBBLE ? coverage(canvas.paint()) : canvas.initImage();
            case MASK -> coverage(canvas.mask());
            case PICTURE -> picture;
        };
    }

    /** A layer's alpha as white on black: what was painted, whatever its colour. */
    static BufferedImage coverage(Layer layer) {
        int w = layer.width(), h = layer.height();
        int[] px = layer.pixels(), out = new int[px.length];
        for (int i = 0; i < px.length; i++) {
            int a = px[i] >>> 24;
            out[i] = 0xff000000 | a << 16 | a << 8 | a;
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, w, h, out, 0, w);
        return img;
    }
}
