package dev.emergence.app.canvas;

/**
 * One stroke of a brush, eraser or mask brush, drawn dab by dab as the pointer moves. Coverage is
 * kept per pixel as the maximum over the stroke's dabs and the layer is recomputed from its state
 * before the stroke, so a stroke never darkens where it crosses itself (like an opacity-limited
 * brush in painting programs) and becomes one undo step.
 */
final class Stroke {
    private final Layer layer;
    private final int[] before;
    private final float[] coverage;
    private final BrushSettings brush;
    private final boolean erase;
    private final int color;
    private Rect dirty = Rect.EMPTY;
    private double lastX = Double.NaN;
    private double lastY;

    Stroke(Layer layer, BrushSettings brush, boolean erase, int color) {
        this.layer = layer;
        this.before = layer.pixels().clone();
        this.coverage = new float[before.length];
        this.brush = brush;
        this.erase = erase;
        this.color = color & 0xffffff;
    }

    /** Extends the stroke to (x, y) in canvas pixels; returns the rectangle that changed. */
    Rect to(double x, double y) {
        Rect changed = Rect.EMPTY;
        double radius = brush.size() / 2;
        if (Double.isNaN(lastX)) {
            changed = dab(x, y, radius);
        } else {
            double dx = x - lastX, dy = y - lastY;
            double dist = Math.hypot(dx, dy);
            // A dab every quarter radius keeps soft edges smooth without wasting work.
            double spacing = Math.max(0.5, radius * 0.25);
            int n = (int) Math.ceil(dist / spacing);
            for (int i = 1; i <= n; i++) {
                double t = (double) i / n;
                changed = changed.union(dab(lastX + dx * t, lastY + dy * t, radius));
            }
        }
        lastX = x;
        lastY = y;
        dirty = dirty.union(changed);
        return changed;
    }

    private Rect dab(double cx, double cy, double radius) {
        Rect box = Rect.of((int) Math.floor(cx - radius - 1), (int) Math.floor(cy - radius - 1),
                (int) Math.ceil(cx + radius + 1), (int) Math.ceil(cy + radius + 1)).clip(layer.width(), layer.height());
        if (box.isEmpty()) return Rect.EMPTY;
        double inner = radius * brush.hardness();
        // A hard brush still gets a one-pixel anti-aliased rim.
        double edgeStart = Math.min(inner, radius - 0.5), edgeEnd = Math.max(radius, edgeStart + 1);
        int w = layer.width();
        int[] px = layer.pixels();
        for (int y = box.y(); y < box.bottom(); y++) {
            double py = y + 0.5 - cy;
            for (int x = box.x(); x < box.right(); x++) {
                double d = Math.hypot(x + 0.5 - cx, py);
                if (d >= edgeEnd) continue;
                double a;
                if (d <= edgeStart) {
                    a = 1;
                } else {
                    double t = (d - edgeStart) / (edgeEnd - edgeStart);
                    a = 1 - t * t * (3 - 2 * t);
                }
                int i = y * w + x;
                if (a <= coverage[i]) continue;
                coverage[i] = (float) a;
                double alpha = a * brush.opacity();
                px[i] = erase ? Pixels.erase(before[i], alpha) : Pixels.over(color, alpha, before[i]);
            }
        }
        return box;
    }

    /** The undo step for the whole stroke, or null when it changed nothing. */
    RegionEdit finish(String label, DocLayer id) {
        if (dirty.isEmpty()) return null;
        int[] b = new int[dirty.width() * dirty.height()];
        for (int row = 0; row < dirty.height(); row++) {
            System.arraycopy(before, (dirty.y() + row) * layer.width() + dirty.x(), b, row * dirty.width(), dirty.width());
        }
        return new RegionEdit(label, id, dirty, b, layer.copyRegion(dirty));
    }
}
