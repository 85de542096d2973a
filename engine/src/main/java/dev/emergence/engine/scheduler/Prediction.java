package dev.emergence.engine.scheduler;

import dev.emergence.engine.tensor.Tensor;

/**
 * What the denoising model predicts (the config's {@code prediction_type}), and how each
 * scheduler form turns that into the clean-latent estimate x0 or the noise ε.
 */
enum Prediction {
    EPSILON, V_PREDICTION, SAMPLE;

    static Prediction of(SchedulerConfig config) {
        return switch (config.predictionType()) {
            case "epsilon" -> EPSILON;
            case "v_prediction" -> V_PREDICTION;
            case "sample" -> SAMPLE;
            default -> throw new IllegalArgumentException("prediction_type \"" + config.predictionType() + "\" is not supported");
        };
    }

    /** Fails for a prediction type the diffusers class does not implement either. */
    Prediction require(SchedulerKind kind, Prediction... supported) {
        for (Prediction p : supported) if (p == this) return this;
        throw new IllegalArgumentException("the " + kind.a1111Name() + " scheduler does not support prediction_type "
                + name().toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * x0 in the variance-preserving form x_t = sqrt(ᾱ)·x0 + sqrt(1 − ᾱ)·ε:
     * ε: (x − sqrt(1−ᾱ)·ε)/sqrt(ᾱ); v: sqrt(ᾱ)·x − sqrt(1−ᾱ)·v; sample: the output itself.
     */
    Tensor x0(Tensor modelOutput, Tensor sample, double alphaProd) {
        double a = Math.sqrt(alphaProd), b = Math.sqrt(1 - alphaProd);
        return switch (this) {
            case EPSILON -> TensorOps.lin(1 / a, sample, -b / a, modelOutput);
            case V_PREDICTION -> TensorOps.lin(a, sample, -b, modelOutput);
            case SAMPLE -> modelOutput;
        };
    }

    /** ε in the variance-preserving form (see {@link #x0}). */
    Tensor epsilon(Tensor modelOutput, Tensor sample, double alphaProd) {
        double a = Math.sqrt(alphaProd), b = Math.sqrt(1 - alphaProd);
        return switch (this) {
            case EPSILON -> modelOutput;
            case V_PREDICTION -> TensorOps.lin(a, modelOutput, b, sample);
            case SAMPLE -> TensorOps.lin(1 / b, sample, -a / b, modelOutput);
        };
    }

    /**
     * x0 in the variance-exploding form x = x0 + σ·ε of the k-diffusion schedulers, where the model
     * saw x/sqrt(σ² + 1): ε: x − σ·ε; v: x/(σ²+1) − σ/sqrt(σ²+1)·v; sample: the output itself.
     */
    Tensor x0FromSigma(Tensor modelOutput, Tensor sample, double sigma) {
        return switch (this) {
            case EPSILON -> TensorOps.lin(1, sample, -sigma, modelOutput);
            case V_PREDICTION -> TensorOps.lin(1 / (sigma * sigma + 1), sample, -sigma / Math.sqrt(sigma * sigma + 1), modelOutput);
            case SAMPLE -> modelOutput;
        };
    }
}
