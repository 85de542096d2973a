package dev.emergence.app.canvas;

import dev.emergence.engine.pipeline.GenerationMode;

import java.awt.image.BufferedImage;

/** The canvas at one moment, owned by whoever took it: the inputs of a generation and of the autosave. */
public record CanvasSnapshot(Layer paint, Layer mask, GenerationMode mode) {
    /** The painted picture on white paper: the init image of img2img and inpainting. */
    public BufferedImage initImage() {
        int w = paint.width(), h = paint.height();
        int[] px = paint.pixels();
        int[] out = new int[px.length];
        for (int i = 0; i < px.length; i++) out[i] = Pixels.onWhite(px[i]);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, w, h, out, 0, w);
        return img;
    }

    /** The mask as the engine takes it: grey levels, white = repaint. */
    public BufferedImage maskImage() {
        int w = mask.width(), h = mask.height();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        byte[] data = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
        int[] px = mask.pixels();
        for (int i = 0; i < px.length; i++) data[i] = (byte) (px[i] >>> 24);
        return img;
    }
}
