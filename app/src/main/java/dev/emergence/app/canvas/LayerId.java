package dev.emergence.app.canvas;

/** The canvas's layers: what the artist paints, and where the picture may be repainted. */
public enum LayerId {
    PAINT, MASK
}
