package dev.emergence.app.fx;

import javafx.embed.swing.SwingFXUtils;
import javafx.scene.image.Image;
import javafx.scene.image.WritableImage;

import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/** Conversions between the engine's BufferedImages and JavaFX images; safe on any thread. */
public final class FxImages {
    private FxImages() {
    }

    public static Image toFx(BufferedImage image) {
        return SwingFXUtils.toFXImage(image, null);
    }

    public static BufferedImage fromFx(Image image) {
        return SwingFXUtils.fromFXImage(image, null);
    }

    /** A thumbnail whose longer side is {@code size} pixels (bilinear; never enlarged). */
    public static Image thumbnail(BufferedImage image, int size) {
        return toFx(scaleToFit(image, size));
    }

    public static BufferedImage scaleToFit(BufferedImage image, int size) {
        double k = Math.min(1.0, (double) size / Math.max(image.getWidth(), image.getHeight()));
        int w = Math.max(1, (int) Math.round(image.getWidth() * k)), h = Math.max(1, (int) Math.round(image.getHeight() * k));
        return scale(image, w, h);
    }

    public static BufferedImage scale(BufferedImage image, int w, int h) {
        if (w == image.getWidth() && h == image.getHeight() && image.getType() == BufferedImage.TYPE_INT_ARGB) return image;
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        var g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(image, 0, 0, w, h, null);
        g.dispose();
        return out;
    }

    /** An empty image of the given size (placeholder). */
    public static WritableImage blank(int w, int h) {
        return new WritableImage(Math.max(1, w), Math.max(1, h));
    }
}
