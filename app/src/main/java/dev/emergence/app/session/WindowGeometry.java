package dev.emergence.app.session;

import javafx.geometry.Rectangle2D;

import java.util.List;

/** Where the window was: restored when it still fits on one of the screens. */
public record WindowGeometry(double x, double y, double width, double height, boolean maximized) {
    /** The smallest size the studio's layout is made for. */
    public static final double MIN_WIDTH = 1024;
    public static final double MIN_HEIGHT = 700;

    /**
     * The geometry to open with: this one if at least its title bar area lies on a screen, else a
     * sensible default centred on the primary screen (90 % of it, at most 1600×1000).
     */
    public WindowGeometry fitTo(List<Rectangle2D> screens, Rectangle2D primary) {
        for (Rectangle2D s : screens) {
            if (s.intersects(x, y, Math.max(1, width), 48) && width >= 200 && height >= 200) {
                return new WindowGeometry(x, y, Math.min(width, s.getWidth()), Math.min(height, s.getHeight()), maximized);
            }
        }
        return defaultFor(primary);
    }

    public static WindowGeometry defaultFor(Rectangle2D screen) {
        double w = Math.min(1600, Math.max(Math.min(MIN_WIDTH, screen.getWidth()), screen.getWidth() * 0.9));
        double h = Math.min(1000, Math.max(Math.min(MIN_HEIGHT, screen.getHeight()), screen.getHeight() * 0.9));
        return new WindowGeometry(screen.getMinX() + (screen.getWidth() - w) / 2, screen.getMinY() + (screen.getHeight() - h) / 2, w, h, false);
    }
}
