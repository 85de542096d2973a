package dev.emergence.engine.scheduler;

import dev.emergence.engine.random.NoiseGenerator;
import dev.emergence.engine.tensor.Tensor;

/**
 * Euler's method on the probability-flow ODE (Karras et al. 2022, Algorithm 2 without churn), as
 * diffusers' EulerDiscreteScheduler: x_next = x + (x − x0)/σ · (σ_next − σ).
 */
final class EulerScheduler extends SigmaScheduler {

    EulerScheduler(SchedulerConfig config) {
        super(SchedulerKind.EULER, config, NoiseSchedule.ZeroSnr.CLAMPED);
        if (config.useBetaSigmas()) throw new IllegalArgumentException("use_beta_sigmas is not supported");
        if (config.useKarrasSigmas() && config.useExponentialSigmas()) {
            throw new IllegalArgumentException("only one of use_karras_sigmas and use_exponential_sigmas can be set");
        }
    }

    @Override
    public void setTimesteps(int n) {
        beginSetTimesteps(n);
        double[] ts = spacedTimesteps(n);
        double[] s;
        if (config.interpolationType().equals("log_linear")) {
            // diffusers: n + 1 log-spaced sigmas between the extremes of the training sigmas
            s = SigmaSchedules.exponential(trainSigmas[0], trainSigmas[trainSigmas.length - 1], n + 1);
        } else {
            s = SigmaSchedules.interpolate(ts, trainSigmas);
        }
        if (config.useKarrasSigmas() || config.useExponentialSigmas()) {
            double min = config.sigmaMin() != null ? config.sigmaMin() : s[s.length - 1];
            double max = config.sigmaMax() != null ? config.sigmaMax() : s[0];
            s = config.useKarrasSigmas() ? SigmaSchedules.karras(min, max, n) : SigmaSchedules.exponential(min, max, n);
            ts = SigmaSchedules.sigmasToT(s, logTrainSigmas);
        }
        double last = config.finalSigmasType().equals("sigma_min") ? trainSigmas[0] : 0;
        sigmas = SigmaSchedules.append(s, last);
        if (config.timestepType().equals("continuous") && prediction == Prediction.V_PREDICTION) {
            // continuous-time v models take c_noise = ln(σ)/4 instead of a timestep
            ts = new double[sigmas.length - 1];
            for (int i = 0; i < ts.length; i++) ts[i] = 0.25 * Math.log(sigmas[i]);
        }
        timesteps = ts;
    }

    @Override
    public StepResult step(Tensor modelOutput, int stepIndex, Tensor sample, NoiseGenerator generator) {
        checkStep(modelOutput, stepIndex, sample);
        double sigma = sigmas[stepIndex];
        Tensor x0 = prediction.x0FromSigma(modelOutput, sample, sigma);
        double dt = sigmas[stepIndex + 1] - sigma;
        // x + d·dt with d = (x − x0)/σ
        Tensor prev = TensorOps.lin(1 + dt / sigma, sample, -dt / sigma, x0);
        return new StepResult(prev, x0);
    }
}
