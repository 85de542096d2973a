package dev.emergence.engine.pipeline;

/** How a step's latent becomes a picture: fastest first. */
public enum PreviewKind {
    /** A per-model 4×3 linear map from latent channels to RGB, at latent resolution (microseconds). */
    LATENT_RGB,
    /** The model's tiny TAESD-style decoder, when it has one; else the full VAE. */
    TINY_DECODER,
    /** The model's own VAE decoder: exact, slowest. */
    FULL_VAE
}
