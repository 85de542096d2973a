package dev.emergence.engine.model;

import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tiles' geometry, blends and rules, with stand-in models; VaeTilingReferenceTest compares with diffusers. */
class VaeTilingTest {
    /** A "decoder" that sees each latent cell alone: tiles cannot change what it gives, so tiled must equal untiled. */
    private static Tensor pointwiseDecode(Tensor latent, int factor) {
        int c = latent.dim(1), h = latent.dim(2), w = latent.dim(3);
        float[] in = latent.data(), out = new float[3 * h * factor * w * factor];
        for (int k = 0; k < 3; k++) {
            for (int y = 0; y < h * factor; y++) {
                for (int x = 0; x < w * factor; x++) {
                    float v = in[((k % c) * h + y / factor) * w + x / factor];
                    out[(k * h * factor + y) * w * factor + x] = (float) Math.tanh(v) + 0.01f * k;
                }
            }
        }
        return new Tensor(out, 1, 3, h * factor, w * factor);
    }

    /** An "encoder" that averages each factor × factor block into 2 channels. */
    private static Tensor pointwiseEncode(Tensor pixels, int factor) {
        int h = pixels.dim(2) / factor, w = pixels.dim(3) / factor, width = pixels.dim(3);
        float[] in = pixels.data(), out = new float[2 * h * w];
        for (int k = 0; k < 2; k++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double sum = 0;
                    for (int dy = 0; dy < factor; dy++) for (int dx = 0; dx < factor; dx++) sum += in[((k) * pixels.dim(2) + y * factor + dy) * width + x * factor + dx];
                    out[(k * h + y) * w + x] = (float) (sum / (factor * factor));
                }
            }
        }
        return new Tensor(out, 1, 2, h, w);
    }

    private static Tensor ramp(int c, int h, int w) {
        float[] d = new float[c * h * w];
        for (int i = 0; i < d.length; i++) d[i] = (float) Math.sin(0.37 * i) * 0.8f;
        return new Tensor(d, 1, c, h, w);
    }

    @Test
    void tilesJoinToTheWholeForEverySize() throws Exception {
        VaeTiling tiling = new VaeTiling(8, 8);
        // sizes below, at and past a tile, short last tiles of 1 to 6 latents, wide and tall
        int[][] sizes = {{8, 8}, {9, 8}, {13, 7}, {12, 25}, {14, 14}, {30, 3}, {31, 19}, {40, 40}};
        for (int[] s : sizes) {
            Tensor latent = ramp(4, s[0], s[1]);
            List<int[]> tiles = new ArrayList<>();
            Tensor tiled = tiling.decode(latent, t -> {
                tiles.add(t.shape());
                return pointwiseDecode(t, 8);
            });
            Tensor whole = pointwiseDecode(latent, 8);
            assertArrayEquals(whole.shape(), tiled.shape(), s[0] + "x" + s[1]);
            // the blend of two equal values is that value, up to float32 rounding of w·a + (1 − w)·a
            assertEquals(0, TestModels.maxAbsDiff(whole, tiled), 1e-6, s[0] + "x" + s[1]);
            for (int[] t : tiles) assertTrue(t[2] <= 8 && t[3] <= 8, "a tile of " + t[2] + "x" + t[3]);
            // tiles start every 6 latents (three quarters of 8), as diffusers' range(0, h, overlap_size)
            assertEquals(((s[0] + 5) / 6) * ((s[1] + 5) / 6), tiles.size(), s[0] + "x" + s[1]);
        }
    }

    @Test
    void encodeTilesThePicture() throws Exception {
        VaeTiling tiling = new VaeTiling(4, 8);
        Tensor pixels = ramp(3, 8 * 11, 8 * 6);
        List<int[]> tiles = new ArrayList<>();
        Tensor tiled = tiling.encode(pixels, t -> {
            tiles.add(t.shape());
            return pointwiseEncode(t, 8);
        });
        assertEquals(0, TestModels.maxAbsDiff(pointwiseEncode(pixels, 8), tiled), 1e-6);
        // 32-pixel tiles every 24 pixels: rows at 0, 24, 48, 72 (88 high), columns at 0, 24 (48 wide)
        assertEquals(8, tiles.size());
        assertArrayEquals(new int[]{1, 3, 16, 24}, tiles.get(7));
    }

    @Test
    void overlapsAreBlendedLinearly() throws Exception {
        // Each tile decodes to a constant, its index: the output ramps from one to the next over the blend.
        VaeTiling tiling = new VaeTiling(8, 8);
        int[] count = {0};
        Tensor out = tiling.decode(ramp(1, 8, 14), t -> {
            float[] d = new float[t.dim(2) * 8 * t.dim(3) * 8];
            java.util.Arrays.fill(d, count[0]++);
            return new Tensor(d, 1, 1, t.dim(2) * 8, t.dim(3) * 8);
        });
        // tiles at columns 0, 6, 12 latents; blend 16 pixels; each tile keeps 48 pixels
        float[] row = java.util.Arrays.copyOfRange(out.data(), 0, 112);
        assertEquals(0f, row[47]);
        assertEquals(0f, row[48]);            // y/16 = 0: all of the tile to the left
        assertEquals(0.5f, row[48 + 8]);      // half way
        assertEquals(15 / 16f, row[48 + 15]);
        assertEquals(1f, row[48 + 16]);
        // the last tile is 2 latents (16 pixels) wide: the blend narrows to it
        assertEquals(1f, row[96]);
        assertEquals(1 + 15 / 16f, row[111]);
    }

    @Test
    void autoWaitsForOneAndAHalfTiles() {
        VaeTiling tiling = VaeTiling.of(OptionalInt.of(512), 8);
        assertEquals(64, tiling.tileLatents());
        assertFalse(tiling.applies(VaeTiling.Mode.AUTO, 96, 64));   // 768 x 512: decoded whole
        assertTrue(tiling.applies(VaeTiling.Mode.AUTO, 97, 64));
        assertTrue(tiling.applies(VaeTiling.Mode.AUTO, 64, 128));   // 1024 wide
        assertTrue(tiling.applies(null, 256, 256));                 // 2048 x 2048
        assertFalse(tiling.applies(VaeTiling.Mode.ON, 64, 64));     // one tile: nothing to tile, as diffusers
        assertTrue(tiling.applies(VaeTiling.Mode.ON, 65, 64));
        assertFalse(tiling.applies(VaeTiling.Mode.OFF, 256, 256));
    }

    @Test
    void tileSizesComeFromTheConfig() {
        assertEquals(96, VaeTiling.of(OptionalInt.of(768), 8).tileLatents());   // SD 2.x
        assertEquals(128, VaeTiling.of(OptionalInt.of(1024), 8).tileLatents()); // SDXL
        assertEquals(64, VaeTiling.of(OptionalInt.empty(), 8).tileLatents());
        assertEquals(16, VaeTiling.of(OptionalInt.of(64), 4).tileLatents());
        assertEquals(12, VaeTiling.of(OptionalInt.of(120), 8).tileLatents());  // 15 latents, down to a multiple of 4
        assertEquals(4, VaeTiling.of(OptionalInt.of(1), 8).tileLatents());
        assertThrows(IllegalArgumentException.class, () -> new VaeTiling(6, 8));
    }

    @Test
    void aTileOfTheWrongSizeIsTheModelsError() {
        VaeTiling tiling = new VaeTiling(8, 8);
        ModelException e = assertThrows(ModelException.class, () -> tiling.decode(ramp(4, 16, 16), t -> pointwiseDecode(t, 4)));
        assertTrue(e.getMessage().contains("expected [1,C,64,64]"), e.getMessage());
    }

    @Test
    void modesParseAsTheCliWritesThem() {
        assertEquals(VaeTiling.Mode.ON, VaeTiling.Mode.parse(" On ").orElseThrow());
        assertTrue(VaeTiling.Mode.parse("sometimes").isEmpty());
        assertEquals("auto, on, off", VaeTiling.Mode.cliNames());
    }
}
