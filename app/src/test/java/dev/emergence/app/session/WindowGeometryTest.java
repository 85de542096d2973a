package dev.emergence.app.session;

import javafx.geometry.Rectangle2D;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WindowGeometryTest {
    private static final Rectangle2D SCREEN = new Rectangle2D(0, 0, 1280, 800);

    @Test
    void theDefaultIsNinetyPercentOfTheScreenCentred() {
        WindowGeometry g = WindowGeometry.defaultFor(SCREEN);
        assertEquals(new WindowGeometry(64, 40, 1152, 720, false), g);
        // Capped on big screens: 90 % of 3840×2160 would be unwieldy.
        assertEquals(new WindowGeometry(1120, 580, 1600, 1000, false), WindowGeometry.defaultFor(new Rectangle2D(0, 0, 3840, 2160)));
    }

    @Test
    void aSavedPlaceOnAScreenIsKept() {
        WindowGeometry saved = new WindowGeometry(100, 50, 1000, 700, true);
        assertEquals(saved, saved.fitTo(List.of(SCREEN), SCREEN));
    }

    @Test
    void aPlaceOnAScreenThatIsGoneFallsBackToTheDefault() {
        WindowGeometry onSecondMonitor = new WindowGeometry(2000, 100, 1000, 700, false);
        assertEquals(WindowGeometry.defaultFor(SCREEN), onSecondMonitor.fitTo(List.of(SCREEN), SCREEN));
    }

    @Test
    void aWindowLargerThanTheScreenIsShrunk() {
        WindowGeometry big = new WindowGeometry(0, 0, 2500, 1600, false);
        assertEquals(new WindowGeometry(0, 0, 1280, 800, false), big.fitTo(List.of(SCREEN), SCREEN));
    }
}
