package dev.emergence.engine.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Pixels of any {@link BufferedImage} as 8-bit sRGB ARGB, the way every other tool shows them.
 *
 * <p>Java treats its grey image types as linear-light grey, so {@code getRGB} brightens them
 * (grey 128 comes back as 188). Greyscale PNGs and JPEGs store gamma-encoded grey, which PIL,
 * browsers and painting programs show as R = G = B = the stored value; grey images are read from
 * their samples here so a greyscale mask or photo means what it says.
 */
final class Pixels {
    private Pixels() {
    }

    /** Row-major ARGB values, alpha 255 for opaque images. */
    static int[] argb(BufferedImage image) {
        int w = image.getWidth(), h = image.getHeight();
        ColorModel cm = image.getColorModel();
        if (cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && !(cm instanceof IndexColorModel)) {
            return greyArgb(image, cm);
        }
        return image.getRGB(0, 0, w, h, null, 0, w);
    }

    /** The image itself when it is already plain 8-bit (A)RGB, else a TYPE_INT_(A)RGB copy of its sRGB pixels. */
    static BufferedImage normalise(BufferedImage image) {
        int type = image.getType();
        if (type == BufferedImage.TYPE_INT_RGB || type == BufferedImage.TYPE_INT_ARGB) {
            return image;
        }
        return fromArgb(argb(image), image.getWidth(), image.getHeight(), image.getColorModel().hasAlpha());
    }

    static BufferedImage fromArgb(int[] argb, int width, int height, boolean alpha) {
        BufferedImage out = new BufferedImage(width, height, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, width, height, argb, 0, width);
        return out;
    }

    private static int[] greyArgb(BufferedImage image, ColorModel cm) {
        int w = image.getWidth(), h = image.getHeight();
        Raster raster = image.getRaster();
        int bands = raster.getNumBands();
        boolean alpha = cm.hasAlpha() && bands > 1;
        int greyBits = cm.getComponentSize(0);
        int alphaBits = alpha ? cm.getComponentSize(bands - 1) : 8;
        boolean premultiplied = alpha && cm.isAlphaPremultiplied();
        int[] out = new int[w * h];
        int[] grey = new int[w], a = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, grey);
            if (alpha) raster.getSamples(0, y, w, 1, bands - 1, a);
            for (int x = 0; x < w; x++) {
                int av = alpha ? to8Bits(a[x], alphaBits) : 255;
                int g = to8Bits(grey[x], greyBits);
                if (premultiplied) g = av == 0 ? 0 : Math.min(255, Math.round(g * 255f / av));
                out[y * w + x] = av << 24 | g << 16 | g << 8 | g;
            }
        }
        return out;
    }

    private static int to8Bits(int sample, int bits) {
        if (bits == 8) return sample;
        int max = (1 << bits) - 1;
        return (int) ((sample * 255L * 2 + max) / (2L * max)); // round(sample · 255 / max)
    }
}
