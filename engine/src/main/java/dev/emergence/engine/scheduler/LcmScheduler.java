package dev.emergence.engine.scheduler;

import dev.emergence.engine.random.NoiseGenerator;
import dev.emergence.engine.tensor.Tensor;

/**
 * The latent consistency model sampler (Luo et al. 2023), as diffusers' LCMScheduler: each step
 * takes the consistency function's estimate c_skip·x + c_out·x0 (the "denoised" latent) and, except
 * at the last step, noises it afresh to the next timestep with noise drawn from the generator.
 * Timesteps are picked from the {@code original_inference_steps} schedule the model was distilled on.
 */
final class LcmScheduler extends AbstractScheduler {
    private static final double SIGMA_DATA = 0.5;

    private final boolean clipSample;
    private final double finalAlphaCumprod;

    LcmScheduler(SchedulerConfig config) {
        super(SchedulerKind.LCM, config, NoiseSchedule.of(config, NoiseSchedule.BetaDefaults.LCM, NoiseSchedule.ZeroSnr.EXACT));
        this.clipSample = config.clipSample() != null && config.clipSample();
        boolean alphaOne = config.setAlphaToOne() == null || config.setAlphaToOne();
        this.finalAlphaCumprod = alphaOne ? 1.0 : schedule.alphaCumprod(0);
        if (config.originalInferenceSteps() > trainSteps) {
            throw new IllegalArgumentException("original_inference_steps (" + config.originalInferenceSteps()
                    + ") cannot exceed num_train_timesteps (" + trainSteps + ")");
        }
    }

    @Override
    public void setTimesteps(int n) {
        setTimesteps(n, 1.0);
    }

    @Override
    public void setTimesteps(int n, double strength) {
        int original = config.originalInferenceSteps();
        if (n > original) {
            throw new IllegalArgumentException("LCM takes at most " + original + " steps (its original_inference_steps), got " + n);
        }
        // the distillation schedule k−1, 2k−1, …, up to strength·original of them, descending
        int usable = (int) (original * strength);
        if (n >= 1 && usable / n < 1) {
            throw new IllegalArgumentException("LCM at strength " + strength + " has " + usable + " of its " + original
                    + " distillation steps to pick " + n + " from; expected at most " + usable + " steps or a higher strength");
        }
        beginSetTimesteps(n);
        int k = trainSteps / original;
        double[] origin = new double[usable];
        for (int i = 0; i < usable; i++) origin[i] = (double) (usable - i) * k - 1;
        double[] picks = Numpy.linspace(0, usable, n, false);
        double[] ts = new double[n];
        for (int i = 0; i < n; i++) ts[i] = origin[(int) Math.floor(picks[i])];
        timesteps = ts;
    }

    @Override
    public StepResult step(Tensor modelOutput, int stepIndex, Tensor sample, NoiseGenerator generator) {
        checkStep(modelOutput, stepIndex, sample);
        int t = timestepAt(stepIndex);
        int prevT = stepIndex + 1 < timesteps.length ? timestepAt(stepIndex + 1) : t;
        double alphaProd = schedule.alphaCumprod(t);
        double alphaPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : finalAlphaCumprod;

        // boundary-condition scalings: c_skip → 1 and c_out → 0 as t → 0
        double scaled = t * config.timestepScaling();
        double cSkip = SIGMA_DATA * SIGMA_DATA / (scaled * scaled + SIGMA_DATA * SIGMA_DATA);
        double cOut = scaled / Math.sqrt(scaled * scaled + SIGMA_DATA * SIGMA_DATA);

        Tensor x0 = prediction.x0(modelOutput, sample, alphaProd);
        if (clipSample) x0 = TensorOps.clamp(x0, config.clipSampleRange());
        Tensor denoised = TensorOps.lin(cOut, x0, cSkip, sample);
        Tensor prev;
        if (stepIndex != numInferenceSteps - 1) {
            Tensor noise = requireGenerator(generator, kind).randn(modelOutput.shape());
            TensorOps.requireSameShape(noise, denoised);
            prev = TensorOps.lin(Math.sqrt(alphaPrev), denoised, Math.sqrt(1 - alphaPrev), noise);
        } else {
            prev = denoised;
        }
        return new StepResult(prev, denoised);
    }

    @Override
    public Tensor addNoise(Tensor original, Tensor noise, int stepIndex) {
        return addNoiseAlpha(original, noise, stepIndex);
    }
}
