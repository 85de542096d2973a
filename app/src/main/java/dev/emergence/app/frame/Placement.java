package dev.emergence.app.frame;

import dev.emergence.app.canvas.Rect;

/**
 * Where a generated picture goes back into the document, and how.
 *
 * @param region     the canvas rectangle the picture was made for (it may reach past the canvas), in the
 *                   document's coordinates when its origin was at {@code originX, originY}
 *                   ({@link dev.emergence.app.canvas.CanvasDocument#originX}): a canvas grown on the left or
 *                   top since (another result landing first) moves where it lands by as much
 * @param pasteAlpha per pixel of the region, 0..255: how much of the picture covers what is below
 *                   (the feathered mask for inpainting); null when it covers the whole region
 * @param matchBand  per pixel of the region: where the picture's colours are compared with the
 *                   original's (a band at the seam); null when colours are not matched
 * @param original   the region as it looked before, on white paper (for the colour match); null with no band
 */
public record Placement(Rect region, int[] pasteAlpha, boolean[] matchBand, int[] original, int originX, int originY) {
    public static Placement whole(Rect region, int originX, int originY) {
        return new Placement(region, null, null, null, originX, originY);
    }

    /** The region in today's coordinates of a document whose origin is now at {@code originX, originY}. */
    public Rect regionAt(int originX, int originY) {
        return region.translated(originX - this.originX, originY - this.originY);
    }
}
