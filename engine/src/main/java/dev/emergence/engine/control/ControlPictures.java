package dev.emergence.engine.control;

import dev.emergence.engine.tensor.Tensor;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Control pictures as a ControlNet reads them, and as pictures record them. */
public final class ControlPictures {
    private ControlPictures() {
    }

    /**
     * An opaque control picture as {@code controlnet_cond} [1, 3, H, W]: RGB in [0, 1] (x/255), not
     * normalised to [-1, 1], as diffusers' control image processor (do_normalize=False) gives it.
     */
    public static Tensor toTensor(BufferedImage picture) {
        int w = picture.getWidth(), h = picture.getHeight(), plane = w * h;
        int[] argb = picture.getRGB(0, 0, w, h, null, 0, w);
        float[] out = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            out[i] = ((argb[i] >> 16) & 0xFF) / 255f;
            out[plane + i] = ((argb[i] >> 8) & 0xFF) / 255f;
            out[2 * plane + i] = (argb[i] & 0xFF) / 255f;
        }
        return new Tensor(out, 1, 3, h, w);
    }

    /**
     * SHA-256 of a picture's pixels, hex: its width and height (4 bytes each, big-endian), then every
     * pixel's ARGB (4 bytes, big-endian) row by row. The same pixels give the same hash whatever the
     * file they were read from.
     */
    public static String sha256(BufferedImage picture) {
        int w = picture.getWidth(), h = picture.getHeight();
        int[] argb = picture.getRGB(0, 0, w, h, null, 0, w);
        ByteBuffer bytes = ByteBuffer.allocate(8 + 4 * argb.length);
        bytes.putInt(w).putInt(h);
        for (int p : argb) bytes.putInt(p);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
