package dev.emergence.app.gallery;

import dev.emergence.engine.pipeline.GenerationMode;

/**
 * What to tell the artist about the mode after restoring a picture's parameters. The mode follows
 * the canvas, so parameters alone do not reproduce a text-to-image picture while the canvas is
 * painted: then the studio offers to clear the canvas, and either way says which mode the next
 * run will use.
 *
 * @param text       one line for the status bar
 * @param offerClear the picture was made from text but the canvas would make the next run image to image
 *                   (or inpainting): offer "Clear canvas" and "Keep"
 */
public record RestoredMode(String text, boolean offerClear) {

    /** @param made the picture's mode, null when unknown; @param next the mode the canvas gives now */
    public static RestoredMode of(String from, GenerationMode made, GenerationMode next) {
        String head = "Parameters restored " + from;
        if (made == null) return new RestoredMode(head + " · the next run is " + label(next), false);
        if (made == next) return new RestoredMode(head + " · " + label(made) + ", as it was made", false);
        if (made == GenerationMode.TXT2IMG) {
            return new RestoredMode(head + " · it was made " + label(made) + ", but the canvas holds a picture: the next run is "
                    + label(next), true);
        }
        return new RestoredMode(head + " · it was made " + label(made) + " from a canvas the studio does not keep; the next run is "
                + label(next), false);
    }

    public static String label(GenerationMode m) {
        return switch (m) {
            case TXT2IMG -> "text → image";
            case IMG2IMG -> "image → image";
            case INPAINT -> "inpainting";
        };
    }
}
