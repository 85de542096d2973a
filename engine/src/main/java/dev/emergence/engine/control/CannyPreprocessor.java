package dev.emergence.engine.control;

import dev.emergence.engine.image.Images;

import java.awt.image.BufferedImage;

/**
 * Canny edges of the picture at the generation's size, white on black in all three channels, as
 * AUTOMATIC1111's canny module gives them (cv2.Canny on the RGB picture).
 *
 * @param low       the hysteresis' lower threshold (AUTOMATIC1111's Threshold A, 100 by default)
 * @param high      the upper one (Threshold B, 200)
 * @param l2Gradient the gradient's magnitude as sqrt(dx² + dy²) rather than |dx| + |dy| (OpenCV's default, false)
 */
public record CannyPreprocessor(double low, double high, boolean l2Gradient) implements ControlPreprocessor {
    public static final double DEFAULT_LOW = 100, DEFAULT_HIGH = 200;

    @Override
    public String module() {
        return "canny";
    }

    @Override
    public BufferedImage apply(BufferedImage picture, int width, int height) {
        BufferedImage sized = Images.resizedRgb(picture, width, height, false);
        byte[] edges = Canny.edges(planes(sized), width, height, low, high, l2Gradient);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < edges.length; i++) out.setRGB(i % width, i / width, edges[i] != 0 ? 0xFFFFFF : 0);
        return out;
    }

    /** The R, G and B planes of an opaque picture, 0..255. */
    static int[][] planes(BufferedImage picture) {
        int w = picture.getWidth(), h = picture.getHeight();
        int[] argb = picture.getRGB(0, 0, w, h, null, 0, w);
        int[][] planes = new int[3][w * h];
        for (int i = 0; i < argb.length; i++) {
            planes[0][i] = (argb[i] >> 16) & 0xFF;
            planes[1][i] = (argb[i] >> 8) & 0xFF;
            planes[2][i] = argb[i] & 0xFF;
        }
        return planes;
    }
}
