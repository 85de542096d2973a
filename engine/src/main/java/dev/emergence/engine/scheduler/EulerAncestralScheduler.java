package dev.emergence.engine.scheduler;

import dev.emergence.engine.random.NoiseGenerator;
import dev.emergence.engine.tensor.Tensor;

/**
 * Euler ancestral (k-diffusion's sample_euler_ancestral, η = 1), as diffusers'
 * EulerAncestralDiscreteScheduler: an Euler step down to σ_down, then fresh noise of std σ_up,
 * drawn from the generator every step (the last one too, where σ_up is 0, as diffusers does).
 */
final class EulerAncestralScheduler extends SigmaScheduler {

    EulerAncestralScheduler(SchedulerConfig config) {
        super(SchedulerKind.EULER_ANCESTRAL, config, NoiseSchedule.ZeroSnr.CLAMPED);
        prediction.require(kind, Prediction.EPSILON, Prediction.V_PREDICTION);
    }

    @Override
    public void setTimesteps(int n) {
        beginSetTimesteps(n);
        double[] ts = spacedTimesteps(n);
        sigmas = SigmaSchedules.append(SigmaSchedules.interpolate(ts, trainSigmas), 0);
        timesteps = ts;
    }

    @Override
    public StepResult step(Tensor modelOutput, int stepIndex, Tensor sample, NoiseGenerator generator) {
        checkStep(modelOutput, stepIndex, sample);
        requireGenerator(generator, kind);
        double from = sigmas[stepIndex], to = sigmas[stepIndex + 1];
        Tensor x0 = prediction.x0FromSigma(modelOutput, sample, from);
        double up = Math.sqrt(to * to * (from * from - to * to) / (from * from));
        double down = Math.sqrt(Math.max(0, to * to - up * up));
        double dt = down - from;
        Tensor noise = generator.randn(modelOutput.shape());
        TensorOps.requireSameShape(noise, sample);
        Tensor prev = TensorOps.lin(1 + dt / from, sample, -dt / from, x0, up, noise);
        return new StepResult(prev, x0);
    }
}
