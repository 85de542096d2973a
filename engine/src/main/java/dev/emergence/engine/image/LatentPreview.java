package dev.emergence.engine.image;

import dev.emergence.engine.tensor.Tensor;
import java.awt.image.BufferedImage;

/**
 * The fastest preview of a latent: each latent pixel's channels times a C×3 factor matrix plus a bias
 * give R, G, B in [-1, 1], at latent resolution (one picture pixel per 8×8 block for SD). It takes the
 * latents as the denoiser sees them (scaled, e.g. ×0.18215 for SD 1.x/2.x), as ComfyUI's
 * Latent2RGBPreviewer does (latent_preview.py: {@code F.linear(x0, factors.T, bias)}, then clamp to
 * [-1, 1], (x + 1)·127.5, rounded).
 *
 * <p>For a latent space with no published factors, {@link #fit} finds them by least squares from
 * latents and the model's own decoded pixels, once at model load.
 */
public final class LatentPreview {
    /** How a preview is enlarged beyond latent resolution. */
    public enum Upscale { NEAREST, BILINEAR }

    /**
     * SD 1.x and 2.x: ComfyUI comfy/latent_formats.py, class SD15 (latent_rgb_factors, no bias);
     * ComfyUI's supported_models.py gives SD 2.x the same SD15 latent format.
     */
    private static final double[][] SD15_FACTORS = {
        //  R        G        B
        {0.3512, 0.2297, 0.3227},
        {0.3250, 0.4974, 0.2350},
        {-0.2829, 0.1762, 0.2721},
        {-0.2120, -0.2616, -0.7177},
    };

    /** SDXL (latents ×0.13025): ComfyUI comfy/latent_formats.py, class SDXL, factors and latent_rgb_factors_bias. */
    private static final double[][] SDXL_FACTORS = {
        {0.3651, 0.4232, 0.4341},
        {-0.2533, -0.0042, 0.1068},
        {0.1076, 0.1111, -0.0362},
        {-0.3165, -0.2492, -0.2188},
    };
    private static final double[] SDXL_BIAS = {0.1084, -0.0175, -0.0011};

    private final float[][] factors;
    private final float[] bias;

    /**
     * @param factors one row per latent channel, columns R, G, B
     * @param bias    added to R, G, B; null for none
     */
    public LatentPreview(double[][] factors, double[] bias) {
        if (factors.length == 0) throw new IllegalArgumentException("need at least one latent channel");
        this.factors = new float[factors.length][3];
        for (int c = 0; c < factors.length; c++) {
            if (factors[c].length != 3) throw new IllegalArgumentException("factor row " + c + " must have 3 values (R, G, B)");
            for (int k = 0; k < 3; k++) this.factors[c][k] = (float) factors[c][k];
        }
        this.bias = new float[3];
        if (bias != null) {
            if (bias.length != 3) throw new IllegalArgumentException("bias must have 3 values (R, G, B)");
            for (int k = 0; k < 3; k++) this.bias[k] = (float) bias[k];
        }
    }

    /** SD 1.x and 2.x (see {@link #SD15_FACTORS}). */
    public static LatentPreview sd15() {
        return new LatentPreview(SD15_FACTORS, null);
    }

    /** SDXL (see {@link #SDXL_FACTORS}). */
    public static LatentPreview sdxl() {
        return new LatentPreview(SDXL_FACTORS, SDXL_BIAS);
    }

    public int latentChannels() {
        return factors.length;
    }

    /** A copy of the factor matrix, [channels][3]. */
    public double[][] factors() {
        double[][] out = new double[factors.length][3];
        for (int c = 0; c < factors.length; c++) {
            for (int k = 0; k < 3; k++) out[c][k] = factors[c][k];
        }
        return out;
    }

    /** A copy of the bias (zeros when there is none). */
    public double[] bias() {
        return new double[] {bias[0], bias[1], bias[2]};
    }

    /** The linear map itself: first batch item of [N, C, h, w] to [1, 3, h, w], nominally [-1, 1], not clamped. */
    public Tensor toPixels(Tensor latents) {
        if (latents.rank() != 4 || latents.dim(1) != factors.length) {
            throw new IllegalArgumentException("latents must be [N, " + factors.length + ", h, w], got " + latents);
        }
        int h = latents.dim(2), w = latents.dim(3), plane = h * w, channels = factors.length;
        float[] d = latents.data();
        float[] out = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int k = 0; k < 3; k++) {
                float v = bias[k];
                for (int c = 0; c < channels; c++) v += d[c * plane + i] * factors[c][k];
                out[k * plane + i] = v;
            }
        }
        return new Tensor(out, 1, 3, h, w);
    }

    /** The preview at latent resolution. */
    public BufferedImage toImage(Tensor latents) {
        Tensor p = toPixels(latents);
        return quantise(p.data(), p.dim(3), p.dim(2));
    }

    /** The preview enlarged (or reduced) to {@code width}×{@code height}, interpolating before quantising. */
    public BufferedImage toImage(Tensor latents, int width, int height, Upscale upscale) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("size must be positive, got " + width + "x" + height);
        Tensor p = toPixels(latents);
        int h = p.dim(2), w = p.dim(3);
        if (w == width && h == height) return quantise(p.data(), w, h);
        float[] src = p.data(), out = new float[3 * width * height];
        for (int k = 0; k < 3; k++) {
            float[] plane = java.util.Arrays.copyOfRange(src, k * w * h, (k + 1) * w * h);
            float[] scaled = upscale == Upscale.NEAREST ? nearest(plane, w, h, width, height) : bilinear(plane, w, h, width, height);
            System.arraycopy(scaled, 0, out, k * width * height, width * height);
        }
        return quantise(out, width, height);
    }

    /** ComfyUI's preview_to_image: clamp to [-1, 1], (x + 1)·127.5, round half to even. */
    private static BufferedImage quantise(float[] rgb, int w, int h) {
        int plane = w * h;
        int[] argb = new int[plane];
        for (int i = 0; i < plane; i++) {
            int px = 0xFF000000;
            for (int k = 0; k < 3; k++) {
                float v = rgb[k * plane + i];
                v = v > 1f ? 1f : v > -1f ? v : -1f; // NaN to -1
                px |= (int) Math.rint((v + 1f) * 127.5f) << (16 - 8 * k);
            }
            argb[i] = px;
        }
        return Pixels.fromArgb(argb, w, h, false);
    }

    /** Pixel centres map to pixel centres: source = ⌊(x + 0.5)·in/out⌋. */
    private static float[] nearest(float[] p, int w, int h, int outW, int outH) {
        float[] out = new float[outW * outH];
        for (int y = 0; y < outH; y++) {
            int sy = Math.min((int) ((y + 0.5) * h / outH), h - 1);
            for (int x = 0; x < outW; x++) {
                int sx = Math.min((int) ((x + 0.5) * w / outW), w - 1);
                out[y * outW + x] = p[sy * w + sx];
            }
        }
        return out;
    }

    /** Bilinear with half-pixel centres (torch's align_corners=False), edges clamped. */
    private static float[] bilinear(float[] p, int w, int h, int outW, int outH) {
        float[] out = new float[outW * outH];
        for (int y = 0; y < outH; y++) {
            double fy = Math.max((y + 0.5) * h / outH - 0.5, 0);
            int y0 = Math.min((int) fy, h - 1), y1 = Math.min(y0 + 1, h - 1);
            double ty = fy - y0;
            for (int x = 0; x < outW; x++) {
                double fx = Math.max((x + 0.5) * w / outW - 0.5, 0);
                int x0 = Math.min((int) fx, w - 1), x1 = Math.min(x0 + 1, w - 1);
                double tx = fx - x0;
                double top = p[y0 * w + x0] * (1 - tx) + p[y0 * w + x1] * tx;
                double bottom = p[y1 * w + x0] * (1 - tx) + p[y1 * w + x1] * tx;
                out[y * outW + x] = (float) (top * (1 - ty) + bottom * ty);
            }
        }
        return out;
    }

    /**
     * Fits factors and bias so that latents·factors + bias best matches (least squares) the decoded
     * pixels, area-averaged down to latent resolution (each latent pixel stands for its block).
     * Pixels are centred before solving, so the bias is exact and the system well conditioned;
     * a negligible ridge keeps a channel that never varies from making it singular.
     *
     * @param latents [N, C, h, w], scaled as the denoiser sees them
     * @param pixels  the decoder's output for them, [N, 3, H, W] in [-1, 1], H ≥ h, W ≥ w
     */
    public static LatentPreview fit(Tensor latents, Tensor pixels) {
        if (latents.rank() != 4 || pixels.rank() != 4 || pixels.dim(1) != 3 || pixels.dim(0) != latents.dim(0)) {
            throw new IllegalArgumentException("need latents [N, C, h, w] and pixels [N, 3, H, W], got " + latents + " and " + pixels);
        }
        int n = latents.dim(0), channels = latents.dim(1), h = latents.dim(2), w = latents.dim(3);
        if (pixels.dim(2) < h || pixels.dim(3) < w) {
            throw new IllegalArgumentException("pixels " + pixels + " are smaller than the latents " + latents);
        }
        long samples = (long) n * h * w;
        if (samples < channels + 1) {
            throw new IllegalArgumentException("need at least " + (channels + 1) + " latent pixels to fit, got " + samples);
        }
        float[] target = Images.resizeMaskArea(pixels, h, w).data();
        float[] lat = latents.data();
        int plane = h * w;

        double[] meanL = new double[channels], meanP = new double[3];
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < plane; i++) {
                for (int c = 0; c < channels; c++) meanL[c] += lat[(b * channels + c) * plane + i];
                for (int k = 0; k < 3; k++) meanP[k] += target[(b * 3 + k) * plane + i];
            }
        }
        for (int c = 0; c < channels; c++) meanL[c] /= samples;
        for (int k = 0; k < 3; k++) meanP[k] /= samples;

        double[][] a = new double[channels][channels];
        double[][] rhs = new double[channels][3];
        double[] l = new double[channels];
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < plane; i++) {
                for (int c = 0; c < channels; c++) l[c] = lat[(b * channels + c) * plane + i] - meanL[c];
                for (int c = 0; c < channels; c++) {
                    for (int d = 0; d <= c; d++) a[c][d] += l[c] * l[d];
                    for (int k = 0; k < 3; k++) rhs[c][k] += l[c] * (target[(b * 3 + k) * plane + i] - meanP[k]);
                }
            }
        }
        double trace = 0;
        for (int c = 0; c < channels; c++) trace += a[c][c];
        if (!(trace > 0)) throw new IllegalArgumentException("the latents do not vary, so no preview can be fitted to them");
        double ridge = 1e-10 * trace / channels;
        for (int c = 0; c < channels; c++) {
            a[c][c] += ridge;
            for (int d = 0; d < c; d++) a[d][c] = a[c][d];
        }
        double[][] factors = solveSymmetric(a, rhs);
        double[] bias = new double[3];
        for (int k = 0; k < 3; k++) {
            bias[k] = meanP[k];
            for (int c = 0; c < channels; c++) bias[k] -= meanL[c] * factors[c][k];
        }
        return new LatentPreview(factors, bias);
    }

    /** Solves A·X = B for symmetric positive definite A by Cholesky decomposition. */
    private static double[][] solveSymmetric(double[][] a, double[][] b) {
        int n = a.length, m = b[0].length;
        double[][] lower = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) s -= lower[i][k] * lower[j][k];
                if (i == j) {
                    if (!(s > 0)) throw new IllegalArgumentException("the latents' channels are not independent enough to fit a preview");
                    lower[i][i] = Math.sqrt(s);
                } else {
                    lower[i][j] = s / lower[j][j];
                }
            }
        }
        double[][] x = new double[n][m];
        for (int col = 0; col < m; col++) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                double s = b[i][col];
                for (int k = 0; k < i; k++) s -= lower[i][k] * y[k];
                y[i] = s / lower[i][i];
            }
            for (int i = n - 1; i >= 0; i--) {
                double s = y[i];
                for (int k = i + 1; k < n; k++) s -= lower[k][i] * x[k][col];
                x[i][col] = s / lower[i][i];
            }
        }
        return x;
    }
}
