package dev.emergence.engine.eval;

import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The seam measure on pictures whose answers are worked out by hand (mask 32..96 square, feather 8: a 17-pixel band). */
class SeamMeasureTest {
    static final double GREY_TO_RED = Math.sqrt(92 * 92 + 88 * 88 + 88 * 88); // (128,128,128) to (220,40,40)

    private static BufferedImage grey(int value) {
        BufferedImage img = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(value, value, value));
        g.fillRect(0, 0, 128, 128);
        g.dispose();
        return img;
    }

    @Test
    void aRampThatContinuesThePictureStepsAsMuchAsThePictureVaries() {
        BufferedImage ramp = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 128; y++) {
            for (int x = 0; x < 128; x++) ramp.setRGB(x, y, new Color(x, x, x).getRGB());
        }
        SeamMeasure m = SeamMeasure.of(ramp, 32, 32, 96, 96, 8);
        // Left and right sides: 17 grey levels (sqrt 3 each) from the kept line to the band's last; top and bottom: none.
        assertEquals(17 * Math.sqrt(3) / 2, m.seamStep(), 1e-9);
        assertEquals(17 * Math.sqrt(3) / 2, m.localVariation(), 1e-9);
        assertEquals(4 * 4, m.segments()); // 30 positions a side: segments of 8, 8, 8 and 6
    }

    @Test
    void aFringeInsideTheRampIsASeamThoughBothEndsMatch() {
        BufferedImage img = grey(128);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(220, 40, 40));
        g.fillRect(32, 0, 3, 128); // a red band just inside the left edge: the same grey on both ends of the ramp
        g.dispose();
        SeamMeasure m = SeamMeasure.of(img, 32, 32, 96, 96, 8);
        // Left side: the band's first lines are red, GREY_TO_RED from the kept grey; the other three sides: 0.
        assertEquals(GREY_TO_RED / 4, m.seamStep(), 1e-9);
        assertEquals(0, m.localVariation(), 1e-12);
        assertFalse(m.withinLocalVariation());
    }

    @Test
    void aRepaintOfTheSameFlatColourHasNoSeam() {
        SeamMeasure m = SeamMeasure.of(grey(90), 32, 32, 96, 96, 8);
        assertEquals(0, m.seamStep(), 0);
        assertTrue(m.withinLocalVariation());
    }

    @Test
    void sidesOnThePicturesEdgeAreLeftOutAndAMaskWithoutRoomIsRefused() {
        // The mask reaches the left, top and bottom edges: only its right side is a seam.
        assertEquals(12, SeamMeasure.of(grey(50), 0, 0, 64, 128, 8).segments()); // 94 positions
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SeamMeasure.of(grey(50), 0, 0, 128, 128, 8));
        assertTrue(e.getMessage().contains("no side with room"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SeamMeasure.of(grey(50), 100, 0, 140, 10, 8));
    }
}
