package dev.emergence.engine.model;

/**
 * The kinds of model the engine runs, told apart by their files (see {@link ModelBundle#open}),
 * each with the settings it is meant to be run with. Families differ in what the UNet is given
 * besides the latents: SDXL adds pooled text embeddings and size ids, LCM a guidance embedding.
 *
 * @param label         how lists and PNG metadata name the family
 * @param steps         default denoising steps
 * @param cfg           default guidance scale (for LCM, the scale its guidance embedding is made from)
 * @param scheduler     the scheduler the family is run with by default (a command-line name), or
 *                      null for the one the model's scheduler config names
 */
public enum ModelFamily {
    /** CLIP ViT-L text (768 wide): SD 1.4, 1.5 and their fine-tunes. */
    SD1("SD 1.x", 20, 7.5, null),
    /** OpenCLIP ViT-H text (1024 wide): SD 2.0 and 2.1. */
    SD2("SD 2.x", 20, 7.5, null),
    /** Two text encoders, pooled embeddings and size ids; 1024 px. diffusers' default guidance is 5. */
    SDXL("SDXL", 25, 5.0, null),
    /** SD 2.1 distilled for 1 to 4 steps without guidance (trailing timesteps). */
    SD_TURBO("SD-Turbo", 1, 0.0, null),
    /** SDXL distilled for 1 to 4 steps without guidance at 512 px (trailing timesteps). */
    SDXL_TURBO("SDXL-Turbo", 1, 0.0, null),
    /**
     * A latent consistency model: the UNet takes the guidance as an embedding ({@code timestep_cond}),
     * so there is no unconditional pass; diffusers' default is 4 steps at guidance 8.5.
     */
    LCM("LCM", 4, 8.5, "lcm"),
    /** SDXL distilled into a latent consistency model. */
    LCM_SDXL("LCM SDXL", 4, 8.5, "lcm"),
    /**
     * An ordinary UNet with an LCM-LoRA fused in, as its LCM scheduler config says: few steps, and
     * guidance between 1 and 2 as the scheduler expects.
     */
    LCM_LORA("LCM-LoRA", 4, 1.5, "lcm"),
    /** Anything else that has the SD 1.x interface (the embedded model, for one). */
    CUSTOM("custom", 20, 7.5, null);

    private final String label;
    private final int steps;
    private final double cfg;
    private final String scheduler;

    ModelFamily(String label, int steps, double cfg, String scheduler) {
        this.label = label;
        this.steps = steps;
        this.cfg = cfg;
        this.scheduler = scheduler;
    }

    public String label() { return label; }

    public int defaultSteps() { return steps; }

    public double defaultCfg() { return cfg; }

    /** A command-line scheduler name, or null for the scheduler the model's config names. */
    public String defaultScheduler() { return scheduler; }

    /** Two text encoders, pooled embeddings and size ids. */
    public boolean sdxl() {
        return this == SDXL || this == SDXL_TURBO || this == LCM_SDXL;
    }

    /** The UNet takes a guidance embedding instead of an unconditional pass. */
    public boolean guidanceEmbedded() {
        return this == LCM || this == LCM_SDXL;
    }

    /** The family's label as lists and PNGs show it ("SDXL-Turbo"), or the family a label names. */
    public static ModelFamily fromLabel(String label) {
        for (ModelFamily f : values()) if (f.label.equals(label)) return f;
        return CUSTOM;
    }

    @Override
    public String toString() { return label; }
}
