package dev.emergence.app.frame;

import java.awt.image.BufferedImage;

/**
 * A generated picture made ready to land as a layer: scaled from the model's size to its region,
 * its colours matched to the surroundings at the seam when asked, and covering only what the
 * placement's alpha says (the feathered mask for inpainting).
 */
public final class ResultPaste {
    /** The colour match never scales contrast beyond this factor either way. */
    private static final double MAX_CONTRAST = 2;

    private ResultPaste() {
    }

    /** The layer's pixels for the placement's region (ARGB, region-sized). */
    public static int[] pixels(BufferedImage result, Placement p) {
        int rw = result.getWidth(), rh = result.getHeight();
        int[] src = result.getRGB(0, 0, rw, rh, null, 0, rw);
        for (int i = 0; i < src.length; i++) src[i] |= 0xff000000;
        int w = p.region().width(), h = p.region().height();
        int[] out = Resample.scale(src, rw, rh, w, h);
        if (p.matchBand() != null) matchColours(out, p.original(), p.matchBand());
        if (p.pasteAlpha() != null) {
            for (int i = 0; i < out.length; i++) {
                int a = p.pasteAlpha()[i];
                out[i] = a <= 0 ? 0 : (a << 24) | (out[i] & 0xffffff);
            }
        }
        return out;
    }

    /**
     * Shifts and scales each channel of {@code picture} so that, inside {@code band}, its mean and
     * spread equal the original's (contrast change bounded).
     */
    static void matchColours(int[] picture, int[] original, boolean[] band) {
        double[] gain = new double[3], offset = new double[3];
        for (int c = 0; c < 3; c++) {
            int shift = 16 - 8 * c;
            double sp = 0, so = 0, spp = 0, soo = 0;
            long n = 0;
            for (int i = 0; i < band.length; i++) {
                if (!band[i]) continue;
                double a = (picture[i] >> shift) & 0xff, b = (original[i] >> shift) & 0xff;
                sp += a;
                so += b;
                spp += a * a;
                soo += b * b;
                n++;
            }
            if (n == 0) return;
            double mp = sp / n, mo = so / n;
            double dp = Math.sqrt(Math.max(0, spp / n - mp * mp)), dO = Math.sqrt(Math.max(0, soo / n - mo * mo));
            double k = dp < 1 || dO < 1 ? 1 : Math.max(1 / MAX_CONTRAST, Math.min(MAX_CONTRAST, dO / dp));
            gain[c] = k;
            offset[c] = mo - k * mp;
        }
        for (int i = 0; i < picture.length; i++) {
            int p = picture[i];
            int r = clamp(((p >> 16) & 0xff) * gain[0] + offset[0]);
            int g = clamp(((p >> 8) & 0xff) * gain[1] + offset[1]);
            int b = clamp((p & 0xff) * gain[2] + offset[2]);
            picture[i] = (p & 0xff000000) | r << 16 | g << 8 | b;
        }
    }

    private static int clamp(double v) {
        long r = Math.round(v);
        return (int) Math.max(0, Math.min(255, r));
    }
}
