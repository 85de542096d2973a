package dev.emergence.engine.scheduler;

import dev.emergence.engine.random.NoiseGenerator;
import dev.emergence.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Linear multistep (k-diffusion's sample_lms, order 4), as diffusers' LMSDiscreteScheduler: the
 * step integrates the Lagrange polynomial through the last derivatives (x − x0)/σ over [σ, σ_next].
 */
final class LmsScheduler extends SigmaScheduler {
    private static final int ORDER = 4;

    private final List<Tensor> derivatives = new ArrayList<>();

    LmsScheduler(SchedulerConfig config) {
        super(SchedulerKind.LMS, config, NoiseSchedule.ZeroSnr.IGNORED);
        if (config.useBetaSigmas()) throw new IllegalArgumentException("use_beta_sigmas is not supported");
        if (config.useKarrasSigmas() && config.useExponentialSigmas()) {
            throw new IllegalArgumentException("only one of use_karras_sigmas and use_exponential_sigmas can be set");
        }
    }

    @Override
    public void setTimesteps(int n) {
        beginSetTimesteps(n);
        double[] ts = spacedTimesteps(n);
        double[] s = SigmaSchedules.interpolate(ts, trainSigmas);
        if (config.useKarrasSigmas() || config.useExponentialSigmas()) {
            // LMS takes the range from its interpolated sigmas (it has no sigma_min/sigma_max options)
            double min = s[s.length - 1], max = s[0];
            s = config.useKarrasSigmas() ? SigmaSchedules.karras(min, max, n) : SigmaSchedules.exponential(min, max, n);
            ts = SigmaSchedules.sigmasToT(s, logTrainSigmas);
        }
        sigmas = SigmaSchedules.append(s, 0);
        timesteps = ts;
        derivatives.clear();
    }

    @Override
    public StepResult step(Tensor modelOutput, int stepIndex, Tensor sample, NoiseGenerator generator) {
        checkStep(modelOutput, stepIndex, sample);
        double sigma = sigmas[stepIndex];
        Tensor x0 = prediction.x0FromSigma(modelOutput, sample, sigma);
        derivatives.add(TensorOps.lin(1 / sigma, sample, -1 / sigma, x0));
        if (derivatives.size() > ORDER) derivatives.remove(0);

        // diffusers takes the order from the step index, not from the derivatives it holds: a run
        // that starts part-way (img2img) weights its first derivative with a higher-order coefficient
        int order = Math.min(stepIndex + 1, ORDER);
        int terms = Math.min(order, derivatives.size());
        double[] coeffs = new double[terms + 1];
        Tensor[] parts = new Tensor[terms + 1];
        coeffs[0] = 1;
        parts[0] = sample;
        for (int k = 0; k < terms; k++) {
            coeffs[k + 1] = lmsCoefficient(order, stepIndex, k);
            parts[k + 1] = derivatives.get(derivatives.size() - 1 - k);
        }
        return new StepResult(TensorOps.sum(coeffs, parts), x0);
    }

    /**
     * ∫ from σ_t to σ_{t+1} of the Lagrange basis polynomial that is 1 at σ_{t−current} and 0 at
     * the other σ_{t−k}, k < order. Integrated exactly (diffusers uses scipy's quad, exact for it too).
     */
    private double lmsCoefficient(int order, int t, int current) {
        // polynomial coefficients, lowest power first
        double[] poly = {1};
        for (int k = 0; k < order; k++) {
            if (k == current) continue;
            double root = sigmas[t - k], denom = sigmas[t - current] - sigmas[t - k];
            double[] next = new double[poly.length + 1];
            for (int p = 0; p < poly.length; p++) {
                next[p + 1] += poly[p] / denom;
                next[p] -= poly[p] * root / denom;
            }
            poly = next;
        }
        return antiderivative(poly, sigmas[t + 1]) - antiderivative(poly, sigmas[t]);
    }

    private static double antiderivative(double[] poly, double x) {
        double sum = 0;
        for (int p = poly.length - 1; p >= 0; p--) sum = sum * x + poly[p] / (p + 1);
        return sum * x;
    }
}
