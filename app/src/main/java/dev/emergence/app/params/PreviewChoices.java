package dev.emergence.app.params;

import dev.emergence.engine.pipeline.PreviewKind;

import java.util.List;

/**
 * The live-preview decoders a model offers: latent colours and the full VAE always, the tiny
 * decoder only when the model ships one (otherwise the engine would quietly run the full VAE).
 */
public final class PreviewChoices {
    private PreviewChoices() {
    }

    public static List<PreviewKind> forModel(boolean hasPreviewDecoder) {
        return hasPreviewDecoder
                ? List.of(PreviewKind.LATENT_RGB, PreviewKind.TINY_DECODER, PreviewKind.FULL_VAE)
                : List.of(PreviewKind.LATENT_RGB, PreviewKind.FULL_VAE);
    }

    /** {@code wanted} when the model has it, else the fast latent colours (what a tiny decoder is chosen for: speed). */
    public static PreviewKind choose(PreviewKind wanted, boolean hasPreviewDecoder) {
        return forModel(hasPreviewDecoder).contains(wanted) ? wanted : PreviewKind.LATENT_RGB;
    }
}
