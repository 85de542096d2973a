package dev.emergence.app.canvas;

/** The canvas tools, with the layer each one works on. */
public enum Tool {
    BRUSH("Brush", LayerId.PAINT),
    ERASER("Eraser", LayerId.PAINT),
    FILL("Fill", LayerId.PAINT),
    EYEDROPPER("Eyedropper", LayerId.PAINT),
    MASK_BRUSH("Mask brush", LayerId.MASK),
    MASK_ERASER("Mask eraser", LayerId.MASK),
    /** Moves and resizes the generation frame (arrow keys nudge it). */
    FRAME("Frame", LayerId.PAINT);

    private final String label;
    private final LayerId layer;

    Tool(String label, LayerId layer) {
        this.label = label;
        this.layer = layer;
    }

    public String label() { return label; }

    public LayerId layer() { return layer; }

    /** Tools that lay down strokes (the others act on a click). */
    public boolean strokes() {
        return this == BRUSH || this == ERASER || this == MASK_BRUSH || this == MASK_ERASER;
    }

    boolean erases() {
        return this == ERASER || this == MASK_ERASER;
    }
}
