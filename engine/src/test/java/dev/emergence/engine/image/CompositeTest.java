package dev.emergence.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emergence.engine.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CompositeTest {
    private static final int W = 40, H = 30;

    private static BufferedImage noise(long seed, int type) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(W, H, type);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) img.setRGB(x, y, r.nextInt());
        }
        return img;
    }

    /** Soft mask: 0.9 inside the rectangle x ≥ 10, 5 ≤ y < 25; 0.3 elsewhere (below the 0.5 threshold). */
    private static Tensor rectMask() {
        float[] m = new float[W * H];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) m[y * W + x] = x >= 10 && y >= 5 && y < 25 ? 0.9f : 0.3f;
        }
        return new Tensor(m, 1, 1, H, W);
    }

    private static boolean inside(int x, int y) {
        return x >= 10 && y >= 5 && y < 25;
    }

    @Test
    void outsideTheMaskIsExactlyTheOriginal() {
        BufferedImage original = noise(1, BufferedImage.TYPE_INT_RGB), generated = noise(2, BufferedImage.TYPE_INT_RGB);
        for (double feather : new double[] {0, 1.5, 3, 8}) {
            BufferedImage out = Images.composite(original, generated, rectMask(), feather);
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    if (!inside(x, y)) assertEquals(original.getRGB(x, y), out.getRGB(x, y), "feather " + feather + " at " + x + "," + y);
                }
            }
        }
    }

    @Test
    void hardPasteWithoutFeather() {
        BufferedImage original = noise(3, BufferedImage.TYPE_INT_RGB), generated = noise(4, BufferedImage.TYPE_INT_RGB);
        BufferedImage out = Images.composite(original, generated, rectMask(), 0);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                assertEquals((inside(x, y) ? generated : original).getRGB(x, y), out.getRGB(x, y), x + "," + y);
            }
        }
    }

    @Test
    void featherRampsUpInsideTheEdge() {
        BufferedImage original = solid(0xFF000000), generated = solid(0xFFFFFFFF);
        // Full-height mask x ≥ 20: a straight vertical edge, blurred vertically to exactly 1.
        float[] m = new float[W * H];
        for (int i = 0; i < m.length; i++) m[i] = i % W >= 20 ? 1f : 0f;
        BufferedImage out = Images.composite(original, generated, new Tensor(m, 1, 1, H, W), 3);
        // At the first inside pixel the blurred mask is 0.5 + k₀/2, so α = 2g − 1 = k₀, the centre weight of
        // the 17-tap σ = 3 kernel: 1 / Σ exp(−j²/18), j = −8..8 = 0.1335712; 255·k₀ = 34.06 → 34.
        assertEquals(34, out.getRGB(20, 15) & 0xFF);
        int previous = 0;
        for (int x = 20; x < 40; x++) {
            int v = out.getRGB(x, 15) & 0xFF;
            assertTrue(v >= previous, "monotonic ramp at " + x);
            previous = v;
        }
        // The 17-tap kernel reaches 8 pixels: from x = 28 on the blurred mask is 1, α = 1.
        assertEquals(255, out.getRGB(28, 15) & 0xFF);
        assertEquals(0, out.getRGB(19, 15) & 0xFF);
    }

    @Test
    void generatedOfAnotherSizeIsResized() {
        BufferedImage original = solid(0xFF102030);
        BufferedImage small = new BufferedImage(W / 2, H / 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < H / 2; y++) {
            for (int x = 0; x < W / 2; x++) small.setRGB(x, y, 0xC08040);
        }
        BufferedImage out = Images.composite(original, small, rectMask(), 0);
        assertEquals(0xFFC08040, out.getRGB(20, 15));
        assertEquals(0xFF102030, out.getRGB(2, 2));
    }

    @Test
    void transparentOriginalKeepsItsAlphaOutside() {
        BufferedImage original = noise(5, BufferedImage.TYPE_INT_ARGB), generated = noise(6, BufferedImage.TYPE_INT_RGB);
        BufferedImage out = Images.composite(original, generated, rectMask(), 2);
        assertEquals(BufferedImage.TYPE_INT_ARGB, out.getType());
        assertEquals(original.getRGB(0, 0), out.getRGB(0, 0));
        assertEquals(0xFF, out.getRGB(30, 15) >>> 24, "deep inside: the generated, opaque pixel");
        assertEquals(generated.getRGB(30, 15) | 0xFF000000, out.getRGB(30, 15));
    }

    @Test
    void maskMustMatchTheOriginal() {
        BufferedImage original = solid(0xFF000000);
        assertThrows(IllegalArgumentException.class, () -> Images.composite(original, original, Tensor.zeros(1, 1, H, W + 1)));
        assertThrows(IllegalArgumentException.class, () -> Images.composite(original, original, rectMask(), -1));
    }

    private static BufferedImage solid(int argb) {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) img.setRGB(x, y, argb);
        }
        return img;
    }
}
