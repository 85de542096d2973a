package dev.emergence.app.generation;

import dev.emergence.engine.tensor.Tensor;

/**
 * One step of a generation as the scrubber keeps it: the noisy latent after the step and its x0
 * "jump" estimate, both in the engine's scaled latent space, plus where the step sits in the schedule.
 */
public record StepRecord(int index, int count, double timestep, double sigma, Tensor latent, Tensor x0) {
    /** Which picture of a step to show. */
    public enum View {
        /** The latent the next step starts from: noise giving way to the picture. */
        LATENT,
        /** The clean picture the model predicts at this step. */
        X0
    }

    public Tensor tensor(View view) {
        return view == View.LATENT ? latent : x0;
    }
}
