package dev.emergence.app.gallery;

import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationRequest;
import javafx.scene.image.Image;

import java.nio.file.Path;
import java.util.Locale;

/**
 * A picture in the history: its file, the request that made it and a thumbnail.
 *
 * @param mode null when unknown (a PNG from elsewhere)
 */
public record GalleryEntry(Path file, GenerationRequest request, GenerationMode mode, Image thumbnail) {

    /** "seed 42 · 20 steps · CFG 7.5 · euler_a · 512×512 · img2img" */
    public String details() {
        GenerationRequest r = request;
        String m = mode == null ? "" : " · " + mode.name().toLowerCase(Locale.ROOT);
        return String.format(Locale.ROOT, "seed %d · %d steps · CFG %s · %s · %d×%d%s", r.seed(), r.steps(),
                fmt(r.cfgScale()), r.scheduler() == null ? "?" : r.scheduler().cliName(), r.width(), r.height(), m);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
