package dev.emergence.engine.image;

/**
 * Separable Gaussian blur of float planes, as AUTOMATIC1111 blurs inpainting masks
 * (modules/processing.py: {@code cv2.GaussianBlur(mask, (2·int(2.5·σ + 0.5) + 1, 1), σ)}, then the
 * same vertically): the kernel is OpenCV's getGaussianKernel, exp(−x²/2σ²) normalised to sum 1,
 * and the border is OpenCV's default BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba).
 */
final class GaussianBlur {
    private GaussianBlur() {
    }

    /** The normalised kernel for standard deviation {@code sigma} (> 0), 2·⌊2.5σ + 0.5⌋ + 1 taps. */
    static double[] kernel(double sigma) {
        int half = (int) (2.5 * sigma + 0.5);
        double[] k = new double[2 * half + 1];
        double sum = 0;
        for (int i = 0; i < k.length; i++) {
            double x = i - half;
            k[i] = Math.exp(-0.5 * x * x / (sigma * sigma));
            sum += k[i];
        }
        for (int i = 0; i < k.length; i++) k[i] /= sum;
        return k;
    }

    /** A blurred copy of a row-major w×h plane; sigma 0 returns an unchanged copy. */
    static float[] blur(float[] plane, int w, int h, double sigma) {
        if (!(sigma >= 0) || Double.isInfinite(sigma)) throw new IllegalArgumentException("blur radius must be 0 or more, got " + sigma);
        if (sigma == 0) return plane.clone();
        double[] k = kernel(sigma);
        int half = k.length / 2;
        float[] tmp = new float[plane.length];
        int[] xs = new int[w + 2 * half];
        for (int i = 0; i < xs.length; i++) xs[i] = reflect101(i - half, w);
        for (int y = 0; y < h; y++) {
            int row = y * w;
            for (int x = 0; x < w; x++) {
                double v = 0;
                for (int i = 0; i < k.length; i++) v += k[i] * plane[row + xs[x + i]];
                tmp[row + x] = (float) v;
            }
        }
        float[] out = new float[plane.length];
        double[] acc = new double[w];
        for (int y = 0; y < h; y++) {
            java.util.Arrays.fill(acc, 0);
            for (int i = 0; i < k.length; i++) {
                int row = reflect101(y + i - half, h) * w;
                double wgt = k[i];
                for (int x = 0; x < w; x++) acc[x] += wgt * tmp[row + x];
            }
            for (int x = 0; x < w; x++) out[y * w + x] = (float) acc[x];
        }
        return out;
    }

    /** Index into [0, n) mirrored about the edge pixels (the edge itself not repeated), periodic for far indices. */
    static int reflect101(int i, int n) {
        if (n == 1) return 0;
        int period = 2 * n - 2;
        i = Math.floorMod(i, period);
        return i < n ? i : period - i;
    }
}
