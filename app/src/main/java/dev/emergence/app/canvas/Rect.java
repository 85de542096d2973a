package dev.emergence.app.canvas;

/** An integer pixel rectangle; empty when either side is zero or less. */
public record Rect(int x, int y, int width, int height) {
    public static final Rect EMPTY = new Rect(0, 0, 0, 0);

    public static Rect of(int x0, int y0, int x1Exclusive, int y1Exclusive) {
        return new Rect(x0, y0, Math.max(0, x1Exclusive - x0), Math.max(0, y1Exclusive - y0));
    }

    public boolean isEmpty() { return width <= 0 || height <= 0; }

    public int right() { return x + width; }

    public int bottom() { return y + height; }

    public long area() { return isEmpty() ? 0 : (long) width * height; }

    public Rect translated(int dx, int dy) {
        return new Rect(x + dx, y + dy, width, height);
    }

    public Rect union(Rect o) {
        if (isEmpty()) return o;
        if (o.isEmpty()) return this;
        return of(Math.min(x, o.x), Math.min(y, o.y), Math.max(right(), o.right()), Math.max(bottom(), o.bottom()));
    }

    public Rect intersect(Rect o) {
        Rect r = of(Math.max(x, o.x), Math.max(y, o.y), Math.min(right(), o.right()), Math.min(bottom(), o.bottom()));
        return r.isEmpty() ? EMPTY : r;
    }

    /** This rectangle clipped to a width × height picture. */
    public Rect clip(int w, int h) {
        return intersect(new Rect(0, 0, w, h));
    }
}
