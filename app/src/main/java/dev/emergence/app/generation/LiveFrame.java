package dev.emergence.app.generation;

import javafx.scene.image.Image;

/**
 * The newest decoded step of a running generation, in the view chosen when it was decoded:
 * {@code x0} and/or {@code latent} (null when that view was not asked for).
 *
 * @param step 0-based
 */
public record LiveFrame(long generation, int step, Image x0, Image latent) {
    /** The main picture: x0 when decoded, else the latent. */
    public Image main() {
        return x0 != null ? x0 : latent;
    }
}
