package dev.emergence.app.generation;

/** What the preview shows of a step, live or scrubbed: the x0 jump, the noisy latent, or both side by side. */
public enum ViewChoice {
    X0, LATENT, SIDE_BY_SIDE;

    public boolean wants(StepRecord.View view) {
        return this == SIDE_BY_SIDE || (view == StepRecord.View.X0) == (this == X0);
    }
}
