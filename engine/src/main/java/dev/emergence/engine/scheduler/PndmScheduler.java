package dev.emergence.engine.scheduler;

import dev.emergence.engine.random.NoiseGenerator;
import dev.emergence.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * PNDM (Liu et al. 2022) as diffusers' PNDMScheduler, Stable Diffusion's default: linear
 * multistep (PLMS) on ε, warmed up either by Runge-Kutta steps (PRK, 12 model calls) or, with
 * {@code skip_prk_steps}, by one repeated timestep (a Heun-like second evaluation).
 *
 * <p>Its state advances per call (diffusers' counter), not per timestep index, so a run that starts
 * part-way through the timesteps (img2img) warms up again there, as in diffusers.
 */
final class PndmScheduler extends AbstractScheduler {
    private final Spacing spacing;
    private final double finalAlphaCumprod;

    private boolean skipPrk;
    private int prkCount;
    private int counter;
    private final List<Tensor> ets = new ArrayList<>();
    private Tensor curModelOutput;
    private Tensor curSample;

    PndmScheduler(SchedulerConfig config) {
        super(SchedulerKind.PNDM, config,
                NoiseSchedule.of(config, NoiseSchedule.BetaDefaults.STANDARD, NoiseSchedule.ZeroSnr.IGNORED));
        prediction.require(kind, Prediction.EPSILON, Prediction.V_PREDICTION);
        this.spacing = Spacing.of(config, Spacing.LEADING);
        boolean alphaOne = config.setAlphaToOne() != null && config.setAlphaToOne();
        this.finalAlphaCumprod = alphaOne ? 1.0 : schedule.alphaCumprod(0);
    }

    @Override
    public void setTimesteps(int n) {
        beginSetTimesteps(n);
        double[] asc = Numpy.reversed(spacing.descending(n, trainSteps, config.stepsOffset(), true));
        // diffusers' PRK schedule needs four timesteps; below that it fails, here PLMS alone runs
        skipPrk = config.skipPrkSteps() || n < 4;
        List<Double> ts = new ArrayList<>();
        if (skipPrk) {
            prkCount = 0;
            // ascending: all but the last, the second-to-last again, the last; then reversed
            List<Double> plms = new ArrayList<>();
            for (int i = 0; i < n - 1; i++) plms.add(asc[i]);
            if (n >= 2) plms.add(asc[n - 2]);
            plms.add(asc[n - 1]);
            for (int i = plms.size() - 1; i >= 0; i--) ts.add(plms.get(i));
        } else {
            int half = trainSteps / n / 2;
            double[] pairs = new double[8];
            for (int k = 0; k < 4; k++) {
                pairs[2 * k] = asc[n - 4 + k];
                pairs[2 * k + 1] = asc[n - 4 + k] + half;
            }
            // pairs[:-1].repeat(2)[1:-1], reversed
            List<Double> prk = new ArrayList<>();
            for (int k = 0; k < 7; k++) { prk.add(pairs[k]); prk.add(pairs[k]); }
            prk = prk.subList(1, prk.size() - 1);
            for (int i = prk.size() - 1; i >= 0; i--) ts.add(prk.get(i));
            prkCount = prk.size();
            for (int i = n - 4; i >= 0; i--) ts.add(asc[i]);
        }
        timesteps = ts.stream().mapToDouble(Double::doubleValue).toArray();
        counter = 0;
        ets.clear();
        curModelOutput = null;
        curSample = null;
    }

    @Override
    public StepResult step(Tensor modelOutput, int stepIndex, Tensor sample, NoiseGenerator generator) {
        checkStep(modelOutput, stepIndex, sample);
        int t = timestepAt(stepIndex);
        // diffusers returns no x0 for PNDM: the estimate from this call's model output
        Tensor x0 = prediction.x0(modelOutput, sample, schedule.alphaCumprod(t));
        Tensor prev = !skipPrk && counter < prkCount ? stepPrk(modelOutput, t, sample) : stepPlms(modelOutput, t, sample);
        counter++;
        return new StepResult(prev, x0);
    }

    /** Runge-Kutta warm-up: four evaluations per step, weighted 1/6, 1/3, 1/3, 1/6. */
    private Tensor stepPrk(Tensor modelOutput, int t, Tensor sample) {
        int diffToPrev = counter % 2 == 1 ? 0 : trainSteps / numInferenceSteps / 2;
        int prevT = t - diffToPrev;
        int fromT = (int) timesteps[counter / 4 * 4];
        Tensor output = modelOutput;
        switch (counter % 4) {
            case 0 -> {
                curModelOutput = accumulate(1.0 / 6, modelOutput);
                ets.add(modelOutput);
                curSample = sample;
            }
            case 1, 2 -> curModelOutput = accumulate(1.0 / 3, modelOutput);
            default -> {
                output = accumulate(1.0 / 6, modelOutput);
                curModelOutput = null;
            }
        }
        Tensor from = curSample != null ? curSample : sample;
        return prevSample(from, fromT, prevT, output);
    }

    /** Linear multistep on the last (up to) four ε, with the repeated-timestep warm-up when PRK is skipped. */
    private Tensor stepPlms(Tensor modelOutput, int t, Tensor sample) {
        if (!skipPrk && ets.size() < 3) {
            throw new IllegalStateException("PNDM's linear multistep needs its Runge-Kutta warm-up steps first");
        }
        int stride = trainSteps / numInferenceSteps;
        int prevT = t - stride;
        if (counter != 1) {
            while (ets.size() > 3) ets.remove(0);
            ets.add(modelOutput);
        } else {
            prevT = t;
            t = t + stride;
        }
        Tensor output;
        int size = ets.size();
        if (size == 1 && counter == 0) {
            output = modelOutput;
            curSample = sample;
        } else if (size == 1 && counter == 1) {
            output = TensorOps.lin(0.5, modelOutput, 0.5, ets.get(0));
            sample = curSample;
            curSample = null;
        } else if (size == 2) {
            output = TensorOps.lin(1.5, ets.get(1), -0.5, ets.get(0));
        } else if (size == 3) {
            output = TensorOps.sum(new double[] {23.0 / 12, -16.0 / 12, 5.0 / 12},
                    new Tensor[] {ets.get(2), ets.get(1), ets.get(0)});
        } else {
            output = TensorOps.sum(new double[] {55.0 / 24, -59.0 / 24, 37.0 / 24, -9.0 / 24},
                    new Tensor[] {ets.get(3), ets.get(2), ets.get(1), ets.get(0)});
        }
        return prevSample(sample, t, prevT, output);
    }

    /** Eq. (9) of the PNDM paper: the transfer from timestep t to prevT given ε. */
    private Tensor prevSample(Tensor sample, int t, int prevT, Tensor modelOutput) {
        double alphaProd = schedule.alphaCumprod(t);
        double alphaPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : finalAlphaCumprod;
        double betaProd = 1 - alphaProd, betaPrev = 1 - alphaPrev;
        Tensor eps = prediction.epsilon(modelOutput, sample, alphaProd);
        double sampleCoeff = Math.sqrt(alphaPrev / alphaProd);
        double denom = alphaProd * Math.sqrt(betaPrev) + Math.sqrt(alphaProd * betaProd * alphaPrev);
        return TensorOps.lin(sampleCoeff, sample, -(alphaPrev - alphaProd) / denom, eps);
    }

    private Tensor accumulate(double weight, Tensor modelOutput) {
        return curModelOutput == null ? TensorOps.scale(weight, modelOutput)
                : TensorOps.lin(1, curModelOutput, weight, modelOutput);
    }

    @Override
    public Tensor addNoise(Tensor original, Tensor noise, int stepIndex) {
        return addNoiseAlpha(original, noise, stepIndex);
    }
}
