package dev.emergence.engine.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.emergence.engine.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * Tiled VAE decoding and encoding, diffusers' {@code AutoencoderKL.tiled_decode} and
 * {@code tiled_encode}: the input is cut into overlapping square tiles of the VAE's native size
 * ({@code sample_size} pixels, {@code sample_size / factor} latents), each tile runs through the
 * model alone, and each tile's first rows and columns are blended linearly into the tile above and
 * the tile to the left over a quarter of the tile before the tiles are cropped and joined. Memory
 * then depends on the tile, not on the picture: the decoder's attention and its full-resolution
 * activations grow with the square of the picture's area.
 *
 * <p>The tiles are processed row by row and only two rows of decoded tiles are kept; the result is
 * the same as diffusers', which decodes all tiles first (a tile is final once it is blended with
 * the tile above and the tile to its left, which are final before it).
 */
public final class VaeTiling {
    /** diffusers' tile_overlap_factor. */
    static final double OVERLAP = 0.25;
    /** Below this a tile sees too little of the picture to decode well; and 2048 pixels would need thousands of tiles. */
    static final int MIN_TILE_LATENTS = 4;
    /**
     * {@link Mode#AUTO} tiles when the latent is more than this many times the tile in either side.
     * Up to 1.5× native the untiled decode costs at most 1.5⁴ ≈ 5× the native attention (SD 1.5 at 768
     * pixels: about 0.3 GiB) and models are often used there, so those pictures stay exactly as
     * diffusers' default untiled decode gives them; beyond it memory grows fast (2048 pixels on SD 1.5:
     * a 16 GiB attention matrix) and the tiles' seams, blended, cost less than running out of memory.
     */
    static final double AUTO_FACTOR = 1.5;

    /** When the VAE tiles: {@link #AUTO} when the picture is well beyond the VAE's native size, or always, or never. */
    public enum Mode {
        AUTO, ON, OFF;

        /** "auto", "on" or "off", as the CLI and the PNG's parameters write it. */
        @JsonValue
        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Mode> parse(String text) {
            String t = text == null ? "" : text.strip();
            return Arrays.stream(values()).filter(m -> m.cliName().equalsIgnoreCase(t)).findFirst();
        }

        @JsonCreator
        static Mode fromJson(String text) {
            // An unknown value in a stored picture falls back to the default instead of failing the read.
            return parse(text).orElse(AUTO);
        }

        public static String cliNames() {
            return Arrays.stream(values()).map(Mode::cliName).collect(Collectors.joining(", "));
        }
    }

    /** One tile's run through the model: [1, C, h, w] in, [1, C', h·scale, w·scale] out. */
    @FunctionalInterface
    interface TileRun {
        Tensor run(Tensor tile) throws ModelException;
    }

    private final int tileLatents;
    private final int factor;

    /**
     * Tiles of {@code tileLatents} latents ({@code tileLatents · factor} pixels). A multiple of 4, so
     * that a tile's stride (three quarters) and its crop (the tile less a quarter) stay whole at both
     * scales and the joined tiles have exactly the input's size.
     */
    VaeTiling(int tileLatents, int factor) {
        if (tileLatents < MIN_TILE_LATENTS || tileLatents % 4 != 0 || factor < 1) {
            throw new IllegalArgumentException("tile of " + tileLatents + " latents, factor " + factor);
        }
        this.tileLatents = tileLatents;
        this.factor = factor;
    }

    /**
     * The tiling of a VAE whose config gives {@code sampleSize} pixels (diffusers'
     * {@code tile_sample_min_size}), rounded down to a multiple of 4 latents and at least
     * {@value #MIN_TILE_LATENTS}; 512 pixels when the config has none (SD 1.x's VAE).
     */
    public static VaeTiling of(OptionalInt sampleSize, int factor) {
        int latents = sampleSize.orElse(512) / factor;
        return new VaeTiling(Math.max(MIN_TILE_LATENTS, latents / 4 * 4), factor);
    }

    /** The tile's side in latents (diffusers' tile_latent_min_size). */
    public int tileLatents() {
        return tileLatents;
    }

    /** Whether a latent of {@code latentH} × {@code latentW} is decoded (or its picture encoded) in tiles. */
    public boolean applies(Mode mode, int latentH, int latentW) {
        return switch (mode == null ? Mode.AUTO : mode) {
            case OFF -> false;
            // diffusers with enable_tiling(): whenever the latent is larger than one tile
            case ON -> latentH > tileLatents || latentW > tileLatents;
            case AUTO -> latentH > AUTO_FACTOR * tileLatents || latentW > AUTO_FACTOR * tileLatents;
        };
    }

    /** Decodes latent [1, C, h, w] tile by tile with {@code decoder}, which gives [1, C', h·factor, w·factor]. */
    Tensor decode(Tensor latent, TileRun decoder) throws ModelException {
        return run(latent, tileLatents, factor, 1, decoder);
    }

    /** Encodes pixels [1, 3, H, W] tile by tile with {@code encoder}, which gives [1, C', H/factor, W/factor]. */
    Tensor encode(Tensor pixels, TileRun encoder) throws ModelException {
        return run(pixels, tileLatents * factor, 1, factor, encoder);
    }

    /**
     * Cuts {@code input} into tiles of {@code tileIn} at a stride of three quarters of a tile, runs
     * each, and blends and joins the outputs, which are {@code up / down} times the input's size.
     */
    private static Tensor run(Tensor input, int tileIn, int up, int down, TileRun model) throws ModelException {
        if (input.rank() != 4 || input.dim(0) != 1) throw new IllegalArgumentException("expected [1,C,H,W], got " + input);
        int height = input.dim(2), width = input.dim(3);
        int stride = tileIn * 3 / 4;                 // diffusers: int(tile_min_size * (1 - overlap))
        int tileOut = tileIn * up / down;
        int blend = (int) (tileOut * OVERLAP);       // diffusers: int(tile_min_size * overlap) at the output's scale
        int limit = tileOut - blend;                 // diffusers' row_limit: each tile's share of the output
        int rows = (height + stride - 1) / stride, cols = (width + stride - 1) / stride;
        Tensor[] above = new Tensor[cols], current = new Tensor[cols];
        float[] out = null;
        int channels = 0, outH = height * up / down, outW = width * up / down;
        for (int r = 0, y = 0; r < rows; r++) {
            int rowHeight = 0, x = 0;
            for (int c = 0; c < cols; c++) {
                int i = r * stride, j = c * stride;
                Tensor tile = model.run(crop(input, i, j, Math.min(tileIn, height - i), Math.min(tileIn, width - j)));
                int th = Math.min(tileIn, height - i) * up / down, tw = Math.min(tileIn, width - j) * up / down;
                if (tile.rank() != 4 || tile.dim(0) != 1 || tile.dim(2) != th || tile.dim(3) != tw
                        || (out != null && tile.dim(1) != channels)) {
                    throw new ModelException("the VAE gave " + tile + " for a tile of " + tileIn + " pixels or latents at ("
                            + i + ", " + j + "); expected [1," + (out != null ? channels : "C") + "," + th + "," + tw
                            + "] (the scale factor its config gives)");
                }
                if (out == null) {
                    channels = tile.dim(1);
                    out = new float[channels * outH * outW];
                }
                // In place, as diffusers' blend_v and blend_h: the next row blends into this tile as it is now.
                if (r > 0) blendVertical(above[c], tile, blend);
                if (c > 0) blendHorizontal(current[c - 1], tile, blend);
                current[c] = tile;
                int ch = Math.min(limit, th), cw = Math.min(limit, tw);
                place(tile, ch, cw, out, outH, outW, y, x);
                x += cw;
                rowHeight = ch;
            }
            if (x != outW) throw new IllegalStateException("tiles joined to " + x + " columns; expected " + outW);
            y += rowHeight;
            Tensor[] t = above;
            above = current;
            current = t;
            Arrays.fill(current, null);
            if (r == rows - 1 && y != outH) throw new IllegalStateException("tiles joined to " + y + " rows; expected " + outH);
        }
        return new Tensor(out, 1, channels, outH, outW);
    }

    /** input[:, :, i:i+h, j:j+w] as a tensor of its own. */
    private static Tensor crop(Tensor input, int i, int j, int h, int w) {
        int channels = input.dim(1), height = input.dim(2), width = input.dim(3);
        float[] src = input.data(), dst = new float[channels * h * w];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(src, (c * height + i + y) * width + j, dst, (c * h + y) * w, w);
            }
        }
        return new Tensor(dst, 1, channels, h, w);
    }

    /** The top-left {@code h} × {@code w} of {@code tile} into {@code out} at row y, column x. */
    private static void place(Tensor tile, int h, int w, float[] out, int outH, int outW, int y, int x) {
        int channels = tile.dim(1), th = tile.dim(2), tw = tile.dim(3);
        float[] src = tile.data();
        for (int c = 0; c < channels; c++) {
            for (int r = 0; r < h; r++) {
                System.arraycopy(src, (c * th + r) * tw, out, (c * outH + y + r) * outW + x, w);
            }
        }
    }

    /**
     * diffusers' blend_v: b's first rows move from a's last rows to b's own, linearly over
     * min(a's height, b's height, extent) rows, in float32 as torch computes it.
     */
    private static void blendVertical(Tensor a, Tensor b, int extent) {
        int channels = b.dim(1), ah = a.dim(2), bh = b.dim(2), w = b.dim(3);
        int e = Math.min(Math.min(ah, bh), extent);
        float[] pa = a.data(), pb = b.data();
        for (int y = 0; y < e; y++) {
            float keep = (float) (1 - (double) y / e), take = (float) ((double) y / e);
            for (int c = 0; c < channels; c++) {
                int ra = (c * ah + ah - e + y) * w, rb = (c * bh + y) * w;
                for (int x = 0; x < w; x++) pb[rb + x] = pa[ra + x] * keep + pb[rb + x] * take;
            }
        }
    }

    /** diffusers' blend_h: as {@link #blendVertical} for b's first columns and a's last. */
    private static void blendHorizontal(Tensor a, Tensor b, int extent) {
        int channels = b.dim(1), h = b.dim(2), aw = a.dim(3), bw = b.dim(3);
        int e = Math.min(Math.min(aw, bw), extent);
        float[] pa = a.data(), pb = b.data();
        for (int x = 0; x < e; x++) {
            float keep = (float) (1 - (double) x / e), take = (float) ((double) x / e);
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < h; y++) {
                    int ia = (c * h + y) * aw + aw - e + x, ib = (c * h + y) * bw + x;
                    pb[ib] = pa[ia] * keep + pb[ib] * take;
                }
            }
        }
    }
}
