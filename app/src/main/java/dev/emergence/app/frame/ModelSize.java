package dev.emergence.app.frame;

/**
 * The size the engine generates at for a frame: the frame's aspect at about the model's native
 * pixel count, each side a multiple of 64 (what every Stable Diffusion UNet takes). The studio
 * scales between this size and the frame; the engine never sees the document's size.
 */
public record ModelSize(int width, int height) {
    public static final int MULTIPLE = 64;

    /**
     * The pair of multiples closest to {@code aspect} (width / height) and to the native area:
     * the cost is the aspect's log error plus a quarter of the area's, so the shape is kept before
     * the pixel count.
     */
    public static ModelSize forAspect(double aspect, int nativeSize, int sizeMultiple) {
        if (!(aspect > 0) || Double.isInfinite(aspect)) throw new IllegalArgumentException("a frame's aspect must be positive, got " + aspect);
        int m = Math.max(MULTIPLE, sizeMultiple);
        double nativeArea = (double) nativeSize * nativeSize;
        int maxSide = Math.max(2 * m, 4 * nativeSize);
        ModelSize best = null;
        double bestCost = Double.MAX_VALUE;
        for (int w = m; w <= maxSide; w += m) {
            for (int h = m; h <= maxSide; h += m) {
                double cost = Math.abs(Math.log((double) w / h / aspect)) + 0.25 * Math.abs(Math.log(w * (double) h / nativeArea));
                if (cost < bestCost - 1e-12) {
                    bestCost = cost;
                    best = new ModelSize(w, h);
                }
            }
        }
        return best;
    }

    public static ModelSize forFrame(int frameWidth, int frameHeight, int nativeSize, int sizeMultiple) {
        return forAspect((double) frameWidth / frameHeight, nativeSize, sizeMultiple);
    }
}
