package dev.emergence.app.canvas;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One layer of the document: its pixels (the canvas's size) and how it is composited. The
 * document changes it only through edits, so undo and redo can replay every change. The mask is a
 * layer of its own kind: its value is each pixel's alpha, and it is shown as an overlay, never
 * composited into the picture.
 */
public final class DocLayer {
    private static final AtomicLong IDS = new AtomicLong();

    /** How a layer is shown and composited; pixels are not part of it. */
    public record State(String name, double opacity, boolean visible, boolean locked) {
        public State {
            if (!(opacity >= 0 && opacity <= 1)) throw new IllegalArgumentException("layer opacity must be in 0..1, got " + opacity);
            name = name == null || name.isBlank() ? "Layer" : name.strip();
        }

        public State withName(String n) { return new State(n, opacity, visible, locked); }

        public State withOpacity(double o) { return new State(name, o, visible, locked); }

        public State withVisible(boolean v) { return new State(name, opacity, v, locked); }

        public State withLocked(boolean l) { return new State(name, opacity, visible, l); }
    }

    private final long id = IDS.incrementAndGet();
    private final boolean mask;
    private Layer pixels;
    private State state;
    /** The index of the generation that made this layer in the document's history, or -1 for the artist's own. */
    private int generation = -1;
    /** Painted on, filled or merged into since it was made: a generated layer the artist has made their own. */
    private boolean edited;
    /** Counts changes of the pixels: a saved copy of this revision is still the layer. */
    private long revision;
    /** Memoised {@link #isBlank()}; null when the pixels may have changed. */
    private Boolean blank;

    DocLayer(Layer pixels, State state, boolean mask) {
        this.pixels = pixels;
        this.state = state;
        this.mask = mask;
    }

    /** A paint layer (for documents built outside the studio: project files, tests). */
    public static DocLayer paint(Layer pixels, State state) {
        return new DocLayer(pixels, state, false);
    }

    public static DocLayer paint(Layer pixels, State state, int generation, boolean edited) {
        DocLayer l = new DocLayer(pixels, state, false);
        l.generation = generation;
        l.edited = edited;
        return l;
    }

    /** The index of the generation that made this layer (in the document's generation history), or -1. */
    public int generation() { return generation; }

    void setGeneration(int g) { generation = g; }

    public boolean edited() { return edited; }

    void setEdited(boolean e) { edited = e; }

    /**
     * A generation's result the artist has not changed: one of the alternatives a run made, not
     * an input of the next txt2img or img2img run (Generate again makes another alternative).
     */
    public boolean untouchedResult() { return generation >= 0 && !edited; }

    /** Unique within the run: tells layers apart in views and edits. */
    public long id() { return id; }

    public boolean isMask() { return mask; }

    public Layer pixels() { return pixels; }

    public State state() { return state; }

    public String name() { return state.name(); }

    public double opacity() { return state.opacity(); }

    public boolean visible() { return state.visible(); }

    public boolean locked() { return state.locked(); }

    public boolean isBlank() {
        if (blank == null) blank = pixels.isBlank();
        return blank;
    }

    void setPixels(Layer p) {
        pixels = p;
        blank = null;
        revision++;
    }

    public long revision() { return revision; }

    void setState(State s) { state = s; }

    void pixelsChanged() {
        blank = null;
        revision++;
    }

    long bytes() { return 4L * pixels.pixels().length; }

    @Override
    public String toString() { return (mask ? "mask " : "layer ") + state.name(); }
}
