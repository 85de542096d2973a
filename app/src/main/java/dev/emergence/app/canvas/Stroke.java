package dev.emergence.app.canvas;

/**
 * One stroke of a brush, eraser or mask brush, drawn dab by dab as the pointer moves. Coverage is
 * kept per pixel as the maximum over the stroke's dabs and the layer is recomputed from its state
 * before the stroke, so a stroke never darkens where it crosses itself (like an opacity-limited
 * brush in painting programs) and becomes one undo step. The state before and the coverage are
 * kept per 64×64 tile, made when the stroke first touches it: a stroke on an 8192×8192 canvas costs
 * what it covers, not two copies of the whole layer.
 */
final class Stroke {
    private static final int TILE_SHIFT = 6;
    private static final int TILE = 1 << TILE_SHIFT;
    private static final int MASK = TILE - 1;

    private final Layer layer;
    private final int tilesX;
    private final int[][] before;
    private final float[][] coverage;
    private final BrushSettings brush;
    private final boolean erase;
    private final int color;
    private Rect dirty = Rect.EMPTY;
    private double lastX = Double.NaN;
    private double lastY;

    Stroke(Layer layer, BrushSettings brush, boolean erase, int color) {
        this.layer = layer;
        this.tilesX = (layer.width() + TILE - 1) >> TILE_SHIFT;
        int tilesY = (layer.height() + TILE - 1) >> TILE_SHIFT;
        this.before = new int[tilesX * tilesY][];
        this.coverage = new float[tilesX * tilesY][];
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

    /** The tiles under {@code box}, copied from the layer the first time. */
    private void touch(Rect box) {
        int w = layer.width();
        int[] px = layer.pixels();
        for (int ty = box.y() >> TILE_SHIFT; ty <= (box.bottom() - 1) >> TILE_SHIFT; ty++) {
            for (int tx = box.x() >> TILE_SHIFT; tx <= (box.right() - 1) >> TILE_SHIFT; tx++) {
                int t = ty * tilesX + tx;
                if (before[t] != null) continue;
                int[] b = new int[TILE * TILE];
                int x0 = tx << TILE_SHIFT, y0 = ty << TILE_SHIFT;
                int cw = Math.min(TILE, w - x0), ch = Math.min(TILE, layer.height() - y0);
                for (int row = 0; row < ch; row++) System.arraycopy(px, (y0 + row) * w + x0, b, row * TILE, cw);
                before[t] = b;
                coverage[t] = new float[TILE * TILE];
            }
        }
    }

    private Rect dab(double cx, double cy, double radius) {
        Rect box = Rect.of((int) Math.floor(cx - radius - 1), (int) Math.floor(cy - radius - 1),
                (int) Math.ceil(cx + radius + 1), (int) Math.ceil(cy + radius + 1)).clip(layer.width(), layer.height());
        if (box.isEmpty()) return Rect.EMPTY;
        touch(box);
        double inner = radius * brush.hardness();
        // A hard brush still gets a one-pixel anti-aliased rim.
        double edgeStart = Math.min(inner, radius - 0.5), edgeEnd = Math.max(radius, edgeStart + 1);
        int w = layer.width();
        int[] px = layer.pixels();
        for (int y = box.y(); y < box.bottom(); y++) {
            double py = y + 0.5 - cy;
            int rowTile = (y >> TILE_SHIFT) * tilesX, rowLocal = (y & MASK) << TILE_SHIFT;
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
                int t = rowTile + (x >> TILE_SHIFT), local = rowLocal + (x & MASK);
                float[] cov = coverage[t];
                if (a <= cov[local]) continue;
                cov[local] = (float) a;
                double alpha = a * brush.opacity();
                int b = before[t][local];
                px[y * w + x] = erase ? Pixels.erase(b, alpha) : Pixels.over(color, alpha, b);
            }
        }
        return box;
    }

    /** The undo step for the whole stroke, or null when it changed nothing. */
    RegionEdit finish(String label, DocLayer id) {
        if (dirty.isEmpty()) return null;
        int[] b = layer.copyRegion(dirty);
        // Where the stroke touched a tile, the pixel before it is kept there; elsewhere it is unchanged.
        for (int y = dirty.y(); y < dirty.bottom(); y++) {
            int rowTile = (y >> TILE_SHIFT) * tilesX, rowLocal = (y & MASK) << TILE_SHIFT;
            for (int x = dirty.x(); x < dirty.right(); x++) {
                int[] tile = before[rowTile + (x >> TILE_SHIFT)];
                if (tile != null) b[(y - dirty.y()) * dirty.width() + x - dirty.x()] = tile[rowLocal + (x & MASK)];
            }
        }
        return new RegionEdit(label, id, dirty, b, layer.copyRegion(dirty));
    }
}
