package dev.emergence.app.canvas;

import java.util.List;

/**
 * The document at one moment, owned by whoever took it (the autosave, a project file): every
 * paint layer bottom to top with its settings, the mask, the frame and the active layer.
 */
public record DocumentCopy(int width, int height, List<LayerCopy> layers, Layer mask, Rect frame, int activeIndex, boolean sizeChosen,
                           long maskId, long maskRevision, java.awt.image.BufferedImage thumbnail) {
    /**
     * One layer; {@code pixels} is null when the taker said it already has this {@code id} at this
     * {@code revision} (the autosave keeps the PNGs of layers that did not change).
     */
    public record LayerCopy(DocLayer.State state, Layer pixels, int generation, boolean edited, long id, long revision) {
        public LayerCopy(DocLayer.State state, Layer pixels, int generation, boolean edited) {
            this(state, pixels, generation, edited, -1, -1);
        }
    }

    public DocumentCopy(int width, int height, List<LayerCopy> layers, Layer mask, Rect frame, int activeIndex, boolean sizeChosen) {
        this(width, height, layers, mask, frame, activeIndex, sizeChosen, -1, -1, null);
    }

    public DocumentCopy {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) throw new IllegalArgumentException("a document has at least one layer");
    }

    /** True when every layer's pixels are here (none left to a cache). */
    public boolean complete() {
        return mask != null && layers.stream().allMatch(l -> l.pixels() != null);
    }

    /** The visible layers over white paper: the picture as exported. */
    public java.awt.image.BufferedImage flattenedOnWhite() {
        List<DocLayer> ls = layers.stream().map(l -> DocLayer.paint(l.pixels(), l.state(), l.generation(), l.edited())).toList();
        int[] out = new int[width * height];
        Compositor.composite(ls, new Rect(0, 0, width, height), out, width, true);
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, width, height, out, 0, width);
        return img;
    }

    /** Applies this copy to a document (the history starts afresh). */
    public void restoreInto(CanvasDocument doc) {
        doc.restore(layers.stream().map(l -> DocLayer.paint(l.pixels(), l.state(), l.generation(), l.edited())).toList(), mask, frame, activeIndex);
        doc.setSizeChosen(sizeChosen);
    }
}
