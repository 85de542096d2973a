package dev.emergence.app.canvas;

/**
 * @param size     diameter in canvas pixels
 * @param hardness 0 (soft edge from the centre out) to 1 (hard edge, anti-aliased by one pixel)
 * @param opacity  the most a stroke covers, 0..1; overlapping dabs of one stroke do not build up
 * @param color    RGB of the paint brush (alpha ignored)
 */
public record BrushSettings(double size, double hardness, double opacity, int color) {
    public static final double MIN_SIZE = 1;
    public static final double MAX_SIZE = 400;

    public BrushSettings {
        size = Math.max(MIN_SIZE, Math.min(MAX_SIZE, size));
        hardness = Math.max(0, Math.min(1, hardness));
        opacity = Math.max(0, Math.min(1, opacity));
    }

    public BrushSettings withSize(double s) { return new BrushSettings(s, hardness, opacity, color); }
}
