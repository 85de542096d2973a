package dev.emergence.app.frame;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResampleTest {
    private static BufferedImage reference(String name) throws IOException {
        try (InputStream in = ResampleTest.class.getResourceAsStream("/reference/" + name)) {
            return ImageIO.read(in);
        }
    }

    private static int[] rgb(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    /** Pillow's Image.LANCZOS (app/tools/make_lanczos_reference.py wrote these); Pillow rounds in fixed point, hence ±1. */
    @Test
    void lanczosMatchesPillow() throws IOException {
        BufferedImage src = reference("lanczos-source.png");
        for (String name : new String[] {"lanczos-2x.png", "lanczos-37x29.png"}) {
            BufferedImage ref = reference(name);
            int[] ours = Resample.lanczos(rgb(src), src.getWidth(), src.getHeight(), ref.getWidth(), ref.getHeight());
            int[] theirs = rgb(ref);
            int worst = 0;
            for (int i = 0; i < ours.length; i++) {
                for (int s = 0; s <= 16; s += 8) worst = Math.max(worst, Math.abs(((ours[i] >> s) & 0xff) - ((theirs[i] >> s) & 0xff)));
            }
            assertTrue(worst <= 1, name + ": largest difference " + worst);
        }
    }

    @Test
    void theTentFilterAveragesWhenShrinking() {
        // A 1-pixel checkerboard shrunk 4×: every output pixel is the mean grey, not a sampled black or white.
        int w = 64;
        int[] board = new int[w * w];
        for (int i = 0; i < board.length; i++) board[i] = ((i % w + i / w) % 2 == 0) ? 0xffffffff : 0xff000000;
        int[] small = Resample.scale(board, w, w, 16, 16);
        for (int p : small) assertEquals(128, (p >> 8) & 0xff, 2);
    }
}
