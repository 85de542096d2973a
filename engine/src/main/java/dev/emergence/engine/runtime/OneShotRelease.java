package dev.emergence.engine.runtime;

/**
 * Whether the sessions a generation runs once (text encoders, VAE encoder and decoder) are closed while
 * the UNet runs and made again when next needed. Closed, they take no memory beside the UNet's; made
 * again from the graph cache, they cost a little time per generation (measured in the README's
 * "At SD 1.5 scale" section).
 */
public enum OneShotRelease {
    /** Release them for a large model on the CPU ({@link #releases}), keep them for small models and on a GPU. */
    AUTO,
    /** Always release them. */
    RELEASE,
    /** Keep them for the life of the model. */
    KEEP;

    /** The UNet size from which {@link #AUTO} releases: below it the sessions are small and their re-creation is all cost. */
    public static final long LARGE_UNET_BYTES = 1L << 30;

    /**
     * Whether a model whose UNet files take {@code unetBytes} releases them. {@link #AUTO} releases on the
     * CPU only: there the graph cache makes re-creation cheap, while a GPU session would be optimised again
     * every generation.
     */
    public boolean releases(long unetBytes, boolean onCpu) {
        return switch (this) {
            case RELEASE -> true;
            case KEEP -> false;
            case AUTO -> onCpu && unetBytes > LARGE_UNET_BYTES;
        };
    }
}
