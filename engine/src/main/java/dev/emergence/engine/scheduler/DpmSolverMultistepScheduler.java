package dev.emergence.engine.scheduler;

import dev.emergence.engine.random.NoiseGenerator;
import dev.emergence.engine.tensor.Tensor;

/**
 * DPM-Solver++(2M) (Lu et al. 2022), as diffusers' DPMSolverMultistepScheduler with
 * algorithm_type "dpmsolver++" and solver_order 2: a second-order multistep update on the x0
 * predictions in log-SNR time, first order on the first step and (lower_order_final) the last.
 * Karras sigmas for the Karras kind or {@code use_karras_sigmas}, exponential ones for
 * {@code use_exponential_sigmas}, else the interpolated training sigmas.
 */
final class DpmSolverMultistepScheduler extends AbstractScheduler {
    private final Spacing spacing;
    private final boolean karras;
    private final double[] trainSigmas;
    private final double[] logTrainSigmas;
    private final boolean heun;

    private Tensor previousX0;
    private int lowerOrderNums;

    DpmSolverMultistepScheduler(SchedulerKind kind, SchedulerConfig config) {
        super(kind, config, NoiseSchedule.of(config, NoiseSchedule.BetaDefaults.STANDARD, NoiseSchedule.ZeroSnr.CLAMPED));
        if (kind != SchedulerKind.DPMPP_2M && kind != SchedulerKind.DPMPP_2M_KARRAS) {
            throw new IllegalArgumentException("not a DPM-Solver++ kind: " + kind);
        }
        this.spacing = Spacing.of(config, Spacing.LINSPACE);
        this.karras = kind == SchedulerKind.DPMPP_2M_KARRAS || config.useKarrasSigmas();
        this.trainSigmas = schedule.trainSigmas();
        this.logTrainSigmas = SigmaSchedules.log(trainSigmas);
        this.heun = config.solverType().equals("heun");
        if (config.useBetaSigmas()) throw new IllegalArgumentException("use_beta_sigmas is not supported");
        if (karras && config.useExponentialSigmas()) {
            throw new IllegalArgumentException("only one of use_karras_sigmas and use_exponential_sigmas can be set");
        }
    }

    @Override
    public void setTimesteps(int n) {
        beginSetTimesteps(n);
        int lastTimestep = trainSteps - clippedIndex();
        double[] ts = switch (spacing) {
            case LINSPACE -> {
                double[] t = Numpy.round(Numpy.linspace(0, lastTimestep - 1, n + 1, true));
                yield java.util.Arrays.copyOf(Numpy.reversed(t), n);
            }
            case LEADING -> {
                int ratio = lastTimestep / (n + 1);
                double[] t = new double[n];
                for (int i = 0; i < n; i++) t[i] = (double) (n - i) * ratio + config.stepsOffset();
                yield t;
            }
            case TRAILING -> Spacing.trailing(lastTimestep, trainSteps / (double) n);
        };
        double[] s;
        boolean cosine = "squaredcos_cap_v2".equals(config.betaSchedule());
        if (karras) {
            s = SigmaSchedules.karras(trainSigmas[0], trainSigmas[trainSigmas.length - 1], n);
            ts = SigmaSchedules.sigmasToT(s, logTrainSigmas);
            if (!cosine) ts = Numpy.round(ts);
        } else if (config.useExponentialSigmas()) {
            s = SigmaSchedules.exponential(trainSigmas[0], trainSigmas[trainSigmas.length - 1], n);
            ts = SigmaSchedules.sigmasToT(s, logTrainSigmas);
        } else {
            s = SigmaSchedules.interpolate(ts, trainSigmas);
        }
        // diffusers stores these timesteps as int64
        for (int i = 0; i < ts.length; i++) ts[i] = (long) ts[i];
        double last = config.finalSigmasType().equals("sigma_min") ? trainSigmas[0] : 0;
        sigmas = SigmaSchedules.append(s, last);
        timesteps = ts;
        previousX0 = null;
        lowerOrderNums = 0;
    }

    /** How many of the noisiest timesteps lambda_min_clipped cuts off (searchsorted on the ascending λ). */
    private int clippedIndex() {
        double min = config.lambdaMinClipped();
        int idx = 0;
        for (int t = trainSteps - 1; t >= 0; t--) {
            double a = schedule.alphaCumprod(t);
            double lambda = 0.5 * Math.log(a) - 0.5 * Math.log(1 - a);
            if (lambda < min) idx++;
            else break;
        }
        return idx;
    }

    @Override
    public StepResult step(Tensor modelOutput, int stepIndex, Tensor sample, NoiseGenerator generator) {
        checkStep(modelOutput, stepIndex, sample);
        int len = timesteps.length;
        boolean lowerOrderFinal = stepIndex == len - 1
                && (config.eulerAtFinal() || (config.lowerOrderFinal() && len < 15)
                        || config.finalSigmasType().equals("zero"));

        double sigmaS0 = sigmas[stepIndex];
        Tensor x0 = prediction.x0(modelOutput, sample, 1 / (sigmaS0 * sigmaS0 + 1));
        Tensor prev;
        if (lowerOrderNums < 1 || lowerOrderFinal) {
            prev = firstOrder(x0, sample, stepIndex);
        } else {
            prev = secondOrder(x0, previousX0, sample, stepIndex);
        }
        if (lowerOrderNums < 2) lowerOrderNums++;
        previousX0 = x0;
        return new StepResult(prev, x0);
    }

    /** DPM-Solver++ first order (DDIM in x0 form): x_t = (σ_t/σ_s)·x − α_t(e^{−h} − 1)·x0. */
    private Tensor firstOrder(Tensor x0, Tensor sample, int i) {
        Vp t = Vp.of(sigmas[i + 1]), s = Vp.of(sigmas[i]);
        double h = t.lambda() - s.lambda();
        return TensorOps.lin(t.sigma() / s.sigma(), sample, -t.alpha() * Math.expm1(-h), x0);
    }

    /** DPM-Solver++(2M): D0 = m0, D1 = (m0 − m1)/r0, midpoint or Heun correction. */
    private Tensor secondOrder(Tensor m0, Tensor m1, Tensor sample, int i) {
        Vp t = Vp.of(sigmas[i + 1]), s0 = Vp.of(sigmas[i]), s1 = Vp.of(sigmas[i - 1]);
        double h = t.lambda() - s0.lambda(), h0 = s0.lambda() - s1.lambda();
        double r0 = h0 / h;
        double em1 = Math.expm1(-h);
        double d1Weight = heun ? t.alpha() * (em1 / h + 1) : -0.5 * t.alpha() * em1;
        // x_t = (σ_t/σ_s0)·x − α_t(e^{−h}−1)·D0 + w·D1, with D1 = (m0 − m1)/r0
        return TensorOps.lin(t.sigma() / s0.sigma(), sample,
                -t.alpha() * em1 + d1Weight / r0, m0,
                -d1Weight / r0, m1);
    }

    @Override
    public double sigmaAt(int stepIndex) {
        checkIndex(stepIndex);
        return sigmas[stepIndex];
    }

    /** α_t·x0 + σ_t·noise with the (variance-preserving) α, σ of the sigma at the index. */
    @Override
    public Tensor addNoise(Tensor original, Tensor noise, int stepIndex) {
        checkIndex(stepIndex);
        Vp v = Vp.of(sigmas[stepIndex]);
        return TensorOps.lin(v.alpha(), original, v.sigma(), noise);
    }

    /** The variance-preserving α_t = 1/sqrt(σ² + 1), σ_t = σ·α_t and log-SNR λ = ln α_t − ln σ_t of a VE sigma. */
    private record Vp(double alpha, double sigma, double lambda) {
        static Vp of(double veSigma) {
            double alpha = 1 / Math.sqrt(veSigma * veSigma + 1);
            double sigma = veSigma * alpha;
            return new Vp(alpha, sigma, Math.log(alpha) - Math.log(sigma));
        }
    }
}
