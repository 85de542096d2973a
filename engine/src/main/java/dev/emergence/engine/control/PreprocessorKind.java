package dev.emergence.engine.control;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The preprocessors made in Java, by the names the command line and the request's JSON use.
 * <ul>
 * <li>{@code none}: the picture is already a control picture (a depth map, a pose, edges): used as it is;</li>
 * <li>{@code scribble}: the artist's strokes as they are, white lines on black (transparent pixels black);</li>
 * <li>{@code canny}: Canny edges of the picture (OpenCV's algorithm, {@link Canny}), white on black;</li>
 * <li>{@code tile}: the picture itself, for tile and recolour models.</li>
 * </ul>
 * Each is resized to the generation's size first, as diffusers' control image processor resizes.
 */
public enum PreprocessorKind {
    NONE("none", "none"),
    SCRIBBLE("scribble", "none"), // AUTOMATIC1111 uses strokes as they are with its "none" module
    CANNY("canny", "canny"),
    TILE("tile", "tile_resample");

    private final String cliName;
    private final String a1111Module;

    PreprocessorKind(String cliName, String a1111Module) {
        this.cliName = cliName;
        this.a1111Module = a1111Module;
    }

    @JsonValue
    public String cliName() {
        return cliName;
    }

    /** AUTOMATIC1111's ControlNet module name. */
    public String a1111Module() {
        return a1111Module;
    }

    public static Optional<PreprocessorKind> parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(k -> k.cliName.equals(n)).findFirst()
                .or(() -> Arrays.stream(values()).filter(k -> k.a1111Module.equals(n)).findFirst());
    }

    @JsonCreator
    static PreprocessorKind fromJson(String name) {
        return parse(name).orElseThrow(() -> new IllegalArgumentException("unknown preprocessor '" + name + "'; expected one of " + cliNames()));
    }

    public static String cliNames() {
        return Arrays.stream(values()).map(PreprocessorKind::cliName).collect(Collectors.joining(", "));
    }

    /** The preprocessor with a unit's settings (Canny's thresholds). */
    public ControlPreprocessor create(ControlUnit unit) {
        switch (this) {
            case CANNY:
                return new CannyPreprocessor(unit.cannyLowOrDefault(), unit.cannyHighOrDefault(), unit.cannyL2OrDefault());
            case SCRIBBLE:
                return simple(a1111Module, true);
            default:
                return simple(a1111Module, false);
        }
    }

    private static ControlPreprocessor simple(String module, boolean overBlack) {
        return new ControlPreprocessor() {
            @Override
            public String module() {
                return module;
            }

            @Override
            public BufferedImage apply(BufferedImage picture, int width, int height) {
                return dev.emergence.engine.image.Images.resizedRgb(picture, width, height, overBlack);
            }
        };
    }
}
