package dev.emergence.engine.scheduler;

import dev.emergence.engine.random.NoiseGenerator;
import dev.emergence.engine.tensor.Tensor;

/**
 * DDIM (Song et al. 2020) with η = 0, the deterministic sampler, as diffusers' DDIMScheduler:
 * x_prev = sqrt(ᾱ_prev)·x0 + sqrt(1 − ᾱ_prev)·ε.
 */
final class DdimScheduler extends AbstractScheduler {
    private final Spacing spacing;
    private final boolean clipSample;
    private final double finalAlphaCumprod;

    DdimScheduler(SchedulerConfig config) {
        super(SchedulerKind.DDIM, config,
                NoiseSchedule.of(config, NoiseSchedule.BetaDefaults.STANDARD, NoiseSchedule.ZeroSnr.EXACT));
        this.spacing = Spacing.of(config, Spacing.LEADING);
        this.clipSample = config.clipSample() != null ? config.clipSample() : true;
        boolean alphaOne = config.setAlphaToOne() != null ? config.setAlphaToOne() : true;
        // the ᾱ "before" the last step: 1 (fully clean), or ᾱ_0 as in the original LDM code
        this.finalAlphaCumprod = alphaOne ? 1.0 : schedule.alphaCumprod(0);
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        beginSetTimesteps(numInferenceSteps);
        timesteps = spacing.descending(numInferenceSteps, trainSteps, config.stepsOffset(), true);
    }

    @Override
    public StepResult step(Tensor modelOutput, int stepIndex, Tensor sample, NoiseGenerator generator) {
        checkStep(modelOutput, stepIndex, sample);
        int t = timestepAt(stepIndex);
        // diffusers steps back by T // n whatever the spacing
        int prevT = t - trainSteps / numInferenceSteps;
        double alphaProd = schedule.alphaCumprod(t);
        double alphaPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : finalAlphaCumprod;

        Tensor x0 = prediction.x0(modelOutput, sample, alphaProd);
        Tensor eps = prediction.epsilon(modelOutput, sample, alphaProd);
        if (clipSample) x0 = TensorOps.clamp(x0, config.clipSampleRange());
        Tensor prev = TensorOps.lin(Math.sqrt(alphaPrev), x0, Math.sqrt(1 - alphaPrev), eps);
        return new StepResult(prev, x0);
    }

    @Override
    public Tensor addNoise(Tensor original, Tensor noise, int stepIndex) {
        return addNoiseAlpha(original, noise, stepIndex);
    }
}
