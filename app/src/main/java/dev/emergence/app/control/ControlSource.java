package dev.emergence.app.control;

/** Where a ControlNet's picture comes from. */
public enum ControlSource {
    /** The canvas's paint layer: for scribble its strokes as white lines on black; otherwise the painting on white. */
    PAINT("Paint layer"),
    /** The mask, white where it is painted. */
    MASK("Mask"),
    /** A picture opened for this ControlNet (a line drawing, a depth map, a photo). */
    PICTURE("Picture");

    private final String label;

    ControlSource(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
