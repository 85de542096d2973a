package dev.emergence.app.generation;

import dev.emergence.app.canvas.Rect;
import dev.emergence.app.frame.Resample;
import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.pipeline.GenerationResult;
import dev.emergence.engine.scheduler.SchedulerKind;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HiresFixTest {
    @Test
    void tilesCoverThePictureOverlappingByAQuarter() {
        List<Rect> t = HiresFix.tiles(1024, 768, 512, 384);
        // Stride 384 (512 − 128): x at 0, 384, 512 (the last flush with the edge); y at 0, 288, 384.
        assertEquals(9, t.size());
        assertEquals(new Rect(512, 384, 512, 384), t.get(8));
        boolean[] covered = new boolean[1024 * 768];
        for (Rect r : t) for (int y = r.y(); y < r.bottom(); y++) for (int x = r.x(); x < r.right(); x++) covered[y * 1024 + x] = true;
        for (boolean c : covered) assertTrue(c);
        assertEquals(List.of(new Rect(0, 0, 64, 64)), HiresFix.tiles(64, 64, 64, 64));
    }

    private static GenerationResult base(BufferedImage img) {
        GenerationRequest r = new GenerationRequest("a cat", "", img.getWidth(), img.getHeight(), 4, 7, 5, SchedulerKind.DDIM, 0.75, 0, null, null, "m");
        return new GenerationResult(r, GenerationMode.TXT2IMG, img, null, List.of(), null, Map.of());
    }

    @Test
    void passesThatChangeNothingGiveTheLanczosUpscaleAndEachPassIsAModelSizedImg2img() throws Exception {
        BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 48; y++) for (int x = 0; x < 64; x++) img.setRGB(x, y, (x * 4) << 16 | (y * 5) << 8 | ((x ^ y) & 0xff));
        List<GenerationRequest> asked = new ArrayList<>();
        BufferedImage out = HiresFix.refine(base(img), 0.3, (req, init, i, n) -> {
            asked.add(req);
            return init;
        });
        assertEquals(128, out.getWidth());
        assertEquals(96, out.getHeight());
        int[] expected = Resample.lanczos(img.getRGB(0, 0, 64, 48, null, 0, 64), 64, 48, 128, 96);
        assertArrayEquals(expected, out.getRGB(0, 0, 128, 96, null, 0, 128), "the blend of unchanged tiles is the upscale itself");
        assertEquals(9, asked.size());
        for (GenerationRequest r : asked) {
            assertEquals(List.of(64, 48), List.of(r.width(), r.height()), "every pass at the model's size");
            assertEquals(0.3, r.strength(), 1e-12);
            assertEquals(5, r.seed());
        }
    }

    @Test
    void overlapsBlendNeighbouringTilesWithoutASeam() throws Exception {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        // Tiles come back black or white alternately: across each overlap the blend ramps between them.
        BufferedImage out = HiresFix.refine(base(img), 0.3, (req, init, i, n) -> {
            BufferedImage t = new BufferedImage(init.getWidth(), init.getHeight(), BufferedImage.TYPE_INT_RGB);
            if (i % 2 == 1) for (int y = 0; y < t.getHeight(); y++) for (int x = 0; x < t.getWidth(); x++) t.setRGB(x, y, 0xffffff);
            return t;
        });
        int row = 10, largestStep = 0;
        for (int x = 1; x < 128; x++) largestStep = Math.max(largestStep, Math.abs((out.getRGB(x, row) & 0xff) - (out.getRGB(x - 1, row) & 0xff)));
        assertTrue(largestStep <= 255 / 16 + 1, "a ramp over the 16 px overlap, not a jump: largest step " + largestStep);
    }
}
