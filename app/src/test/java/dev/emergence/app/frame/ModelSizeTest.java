package dev.emergence.app.frame;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's size for a frame: multiples of 64 near the native area with the frame's aspect.
 * The expected sizes are worked out by hand from that rule (SDXL's published aspect buckets agree
 * where they overlap: 1024 native, 16:9 → 1344×768).
 */
class ModelSizeTest {
    @Test
    void squareFramesGetTheNativeSize() {
        assertEquals(new ModelSize(512, 512), ModelSize.forFrame(2000, 2000, 512, 8));
        assertEquals(new ModelSize(128, 128), ModelSize.forFrame(64, 64, 128, 8));
    }

    @Test
    void theFramesAspectIsKeptNearTheNativeArea() {
        // 4:3 at 512: 576×448 (ratio 1.29, area 0.98 of native).
        assertEquals(new ModelSize(576, 448), ModelSize.forFrame(1024, 768, 512, 8));
        // 16:9 at SDXL's 1024: SDXL's own bucket.
        assertEquals(new ModelSize(1344, 768), ModelSize.forFrame(1920, 1080, 1024, 8));
        // The embedded model's 128 px: 4:3 can only be 192×128 or 128×128; the shape wins.
        assertEquals(new ModelSize(192, 128), ModelSize.forFrame(1024, 768, 128, 8));
        assertEquals(new ModelSize(128, 192), ModelSize.forFrame(768, 1024, 128, 8));
    }

    @Test
    void sidesAreMultiplesOf64() {
        for (int w = 64; w <= 3000; w += 97) {
            ModelSize s = ModelSize.forFrame(w, 700, 512, 8);
            assertEquals(0, s.width() % 64);
            assertEquals(0, s.height() % 64);
            double area = (double) s.width() * s.height() / (512.0 * 512);
            assertTrue(area > 0.5 && area < 2, w + ": " + s);
        }
    }
}
