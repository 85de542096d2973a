package dev.emergence.engine.scheduler;

import dev.emergence.engine.tensor.Tensor;

/**
 * The k-diffusion style schedulers (LMS, Euler, Euler ancestral): they step the variance-exploding
 * latent x = x0 + σ·ε, start from noise of std sigma_max, and hand the model x/sqrt(σ² + 1).
 */
abstract class SigmaScheduler extends AbstractScheduler {
    protected final Spacing spacing;
    protected final double[] trainSigmas;
    protected final double[] logTrainSigmas;

    protected SigmaScheduler(SchedulerKind kind, SchedulerConfig config, NoiseSchedule.ZeroSnr zeroSnr) {
        super(kind, config, NoiseSchedule.of(config, NoiseSchedule.BetaDefaults.STANDARD, zeroSnr));
        this.spacing = Spacing.of(config, Spacing.LINSPACE);
        this.trainSigmas = schedule.trainSigmas();
        this.logTrainSigmas = SigmaSchedules.log(trainSigmas);
    }

    /** The descending timesteps before any sigma conversion; fractional for linspace, as diffusers' float32 ones. */
    protected double[] spacedTimesteps(int n) {
        return spacing.descending(n, trainSteps, config.stepsOffset(), false);
    }

    /** diffusers: sigma_max for linspace and trailing, sqrt(sigma_max² + 1) for leading. */
    @Override
    public double initNoiseSigma() {
        double max = Numpy.max(sigmas());
        return spacing == Spacing.LEADING ? Math.sqrt(max * max + 1) : max;
    }

    @Override
    public Tensor scaleModelInput(Tensor sample, int stepIndex) {
        checkIndex(stepIndex);
        double s = sigmas[stepIndex];
        return TensorOps.scale(1 / Math.sqrt(s * s + 1), sample);
    }

    @Override
    public double sigmaAt(int stepIndex) {
        checkIndex(stepIndex);
        return sigmas[stepIndex];
    }

    /** x0 + σ·noise with the sigma at the index (diffusers with its begin index set to it). */
    @Override
    public Tensor addNoise(Tensor original, Tensor noise, int stepIndex) {
        checkIndex(stepIndex);
        return TensorOps.lin(1, original, sigmas[stepIndex], noise);
    }
}
