package dev.emergence.app.frame;

/**
 * How inpainting and outpainting use the frame.
 *
 * @param onlyMasked   generate only the mask's bounding box plus {@code paddingPx} at the model's
 *                     resolution ("only masked"), instead of the whole frame
 * @param paddingPx    context around the mask, in canvas pixels
 * @param matchColours shift the pasted region's colours to match its surroundings at the seam
 * @param fill         how the frame's part past the canvas is pre-filled
 */
public record InpaintOptions(boolean onlyMasked, int paddingPx, boolean matchColours, OutpaintFill fill) {
    public static final int DEFAULT_PADDING = 32;
    public static final InpaintOptions DEFAULT = new InpaintOptions(true, DEFAULT_PADDING, true, OutpaintFill.BLUR);

    public InpaintOptions {
        if (paddingPx < 0 || paddingPx > 1024) throw new IllegalArgumentException("inpaint padding must be 0 to 1024 pixels, got " + paddingPx);
        if (fill == null) fill = OutpaintFill.BLUR;
    }
}
