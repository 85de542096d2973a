package dev.emergence.engine.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emergence.engine.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatentPreviewTest {

    /** [1, C, 1, n] latents from one C-vector per pixel. */
    private static Tensor latents(float[][] perPixel) {
        int c = perPixel[0].length, n = perPixel.length;
        float[] d = new float[c * n];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) d[ch * n + i] = perPixel[i][ch];
        }
        return new Tensor(d, 1, c, 1, n);
    }

    @Test
    void sd15MatrixAgainstHandComputedPixels() {
        // ComfyUI latent_formats.SD15 factors; pixel = round((clamp(l·F, −1, 1) + 1)·127.5) as latent_preview.py.
        // l = (0.5, −0.25, 1, 0.1):
        //   R = 0.1756 − 0.08125 − 0.2829 − 0.0212 = −0.20955 → 100.78 → 101
        //   G = 0.11485 − 0.12435 + 0.1762 − 0.02616 = 0.14054 → 145.42 → 145
        //   B = 0.16135 − 0.05875 + 0.2721 − 0.07177 = 0.30293 → 166.12 → 166
        // l = (0, 0, 0, 1): the last row, (−0.2120, −0.2616, −0.7177) → 100.47, 94.15, 35.99 → 100, 94, 36
        // l = (−3, 0, 0, 0): (−1.0536 → −1, −0.6891, −0.9681) → 0, 39.64, 4.07 → 0, 40, 4
        // (the same numbers come out of torch's F.linear with ComfyUI's preview_to_image).
        BufferedImage img = LatentPreview.sd15().toImage(latents(new float[][] {
            {0.5f, -0.25f, 1f, 0.1f}, {0, 0, 0, 1}, {-3, 0, 0, 0}}));
        assertEquals(3, img.getWidth());
        assertEquals(1, img.getHeight());
        assertEquals(0xFF000000 | 101 << 16 | 145 << 8 | 166, img.getRGB(0, 0));
        assertEquals(0xFF000000 | 100 << 16 | 94 << 8 | 36, img.getRGB(1, 0));
        assertEquals(0xFF000000 | 40 << 8 | 4, img.getRGB(2, 0));
    }

    @Test
    void sdxlHasItsBias() {
        // ComfyUI latent_formats.SDXL latent_rgb_factors_bias (0.1084, −0.0175, −0.0011) for zero latents:
        // 1.1084·127.5 = 141.32, 0.9825·127.5 = 125.27, 0.9989·127.5 = 127.36.
        BufferedImage img = LatentPreview.sdxl().toImage(Tensor.zeros(1, 4, 1, 1));
        assertEquals(0xFF000000 | 141 << 16 | 125 << 8 | 127, img.getRGB(0, 0));
        assertArrayEquals(new double[] {0.3651, 0.4232, 0.4341}, LatentPreview.sdxl().factors()[0], 1e-7);
    }

    @Test
    void fitRecoversAKnownMatrixFromSyntheticDecodes() {
        double[][] m = {{0.8, -0.1, 0.3}, {-0.5, 0.6, 0.2}, {0.05, 0.4, -0.9}, {0.3, -0.3, 0.1}};
        double[] bias = {0.1, -0.2, 0.05};
        Random r = new Random(42);
        int h = 12, w = 10, f = 8;
        float[] lat = new float[4 * h * w];
        for (int i = 0; i < lat.length; i++) lat[i] = (float) r.nextGaussian();
        Tensor latents = new Tensor(lat, 1, 4, h, w);
        // A "decoder" that is exactly linear per 8×8 block: the fit must find its matrix.
        Tensor small = new LatentPreview(m, bias).toPixels(latents);
        Tensor pixels = upsample(small, f);
        LatentPreview fitted = LatentPreview.fit(latents, pixels);
        for (int c = 0; c < 4; c++) assertArrayEquals(m[c], fitted.factors()[c], 1e-4, "row " + c);
        assertArrayEquals(bias, fitted.bias(), 1e-4);
    }

    @Test
    void fitOfSd15DecodesGivesTheSd15Matrix() {
        Random r = new Random(7);
        float[] lat = new float[2 * 4 * 9 * 9];
        for (int i = 0; i < lat.length; i++) lat[i] = (float) (r.nextGaussian() * 0.8);
        Tensor latents = new Tensor(lat, 2, 4, 9, 9);
        Tensor a = LatentPreview.sd15().toPixels(latents.batchItem(0)), b = LatentPreview.sd15().toPixels(latents.batchItem(1));
        LatentPreview fitted = LatentPreview.fit(latents, Tensor.concatBatch(upsample(a, 8), upsample(b, 8)));
        double[][] sd15 = LatentPreview.sd15().factors();
        for (int c = 0; c < 4; c++) assertArrayEquals(sd15[c], fitted.factors()[c], 1e-4);
        assertArrayEquals(new double[3], fitted.bias(), 1e-4);
    }

    @Test
    void fitSurvivesAChannelThatNeverVaries() {
        Random r = new Random(3);
        float[] lat = new float[4 * 8 * 8];
        for (int i = 0; i < 3 * 64; i++) lat[i] = (float) r.nextGaussian();
        for (int i = 3 * 64; i < 4 * 64; i++) lat[i] = 0.5f; // constant fourth channel
        Tensor latents = new Tensor(lat, 1, 4, 8, 8);
        Tensor pixels = LatentPreview.sd15().toPixels(latents);
        LatentPreview fitted = LatentPreview.fit(latents, pixels);
        float[] want = pixels.data(), got = fitted.toPixels(latents).data();
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-4);
        assertThrows(IllegalArgumentException.class, () -> LatentPreview.fit(Tensor.zeros(1, 4, 4, 4), Tensor.zeros(1, 3, 32, 32)));
    }

    @Test
    void upscaledPreviews() {
        Tensor lat = latents(new float[][] {{-3, 0, 0, 0}, {0, 0, 0, 1}}); // green 40 and 94, from the test above
        BufferedImage base = LatentPreview.sd15().toImage(lat);
        BufferedImage nearest = LatentPreview.sd15().toImage(lat, 8, 2, LatentPreview.Upscale.NEAREST);
        for (int x = 0; x < 8; x++) {
            assertEquals(base.getRGB(x / 4, 0), nearest.getRGB(x, 0));
            assertEquals(base.getRGB(x / 4, 0), nearest.getRGB(x, 1));
        }
        BufferedImage bilinear = LatentPreview.sd15().toImage(lat, 8, 1, LatentPreview.Upscale.BILINEAR);
        int left = bilinear.getRGB(0, 0) >> 8 & 0xFF, mid = bilinear.getRGB(4, 0) >> 8 & 0xFF, right = bilinear.getRGB(7, 0) >> 8 & 0xFF;
        assertEquals(base.getRGB(0, 0) >> 8 & 0xFF, left, "edges clamp to the end pixels");
        assertEquals(base.getRGB(1, 0) >> 8 & 0xFF, right);
        assertTrue(left < mid && mid < right, "green ramps between them: " + left + " " + mid + " " + right);
    }

    @Test
    void rejectsLatentsOfAnotherChannelCount() {
        assertThrows(IllegalArgumentException.class, () -> LatentPreview.sd15().toImage(Tensor.zeros(1, 16, 2, 2)));
        assertThrows(IllegalArgumentException.class, () -> new LatentPreview(new double[][] {{1, 2}}, null));
    }

    /** Nearest-neighbour enlargement by an integer factor: each latent pixel becomes an f×f block. */
    private static Tensor upsample(Tensor t, int f) {
        int c = t.dim(1), h = t.dim(2), w = t.dim(3);
        float[] src = t.data(), out = new float[c * h * f * w * f];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h * f; y++) {
                for (int x = 0; x < w * f; x++) out[(ch * h * f + y) * w * f + x] = src[(ch * h + y / f) * w + x / f];
            }
        }
        return new Tensor(out, 1, c, h * f, w * f);
    }
}
