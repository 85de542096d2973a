package dev.emergence.app.canvas;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PixelsTest {
    // Expected values from Porter & Duff's "over" for non-premultiplied colour:
    // αo = αs + αd(1 − αs), Co = (Cs·αs + Cd·αd(1 − αs)) / αo.

    @Test
    void halfRedOverOpaqueWhiteIsPink() {
        // Co = 255·0.5 + 255·0.5 = 255 for red; 0·0.5 + 255·0.5 = 127.5 → 128 for green and blue.
        assertEquals(0xffff8080, Pixels.over(0xff0000, 0.5, 0xffffffff));
    }

    @Test
    void halfRedOverNothingKeepsItsColourAtHalfAlpha() {
        // αo = 0.5 → 127.5 → 128; the colour is the source's.
        assertEquals(0x80ff0000, Pixels.over(0xff0000, 0.5, 0));
    }

    @Test
    void quarterBlueOverHalfGreen() {
        // αd = 128/255; αo = 0.25 + αd·0.75 = 0.6265 → 159.75 → 160;
        // G = 255·αd·0.75 / αo = 153.2 → 153; B = 255·0.25 / αo = 101.8 → 102.
        assertEquals(160 << 24 | 153 << 8 | 102, Pixels.over(0x0000ff, 0.25, 0x8000ff00));
    }

    @Test
    void eraserScalesAlphaOnly() {
        // 200·(1 − 0.25) = 150.
        assertEquals(150 << 24 | 0x123456, Pixels.erase(200 << 24 | 0x123456, 0.25));
        assertEquals(0, Pixels.erase(0xff123456, 1.0));
    }

    @Test
    void onWhiteIsOpaque() {
        assertEquals(0xffffffff, Pixels.onWhite(0));
        assertEquals(0xff000000, Pixels.onWhite(0xff000000));
    }
}
