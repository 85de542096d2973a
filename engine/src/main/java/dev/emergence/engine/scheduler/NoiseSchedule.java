package dev.emergence.engine.scheduler;

import java.util.List;

/**
 * The training noise schedule a model was trained with: betas and their cumulative products
 * ᾱ_t = Π(1 − β), built from the config exactly as diffusers' schedulers build them (but in double
 * precision: diffusers rounds them to float32, the original training code used float64).
 */
final class NoiseSchedule {

    /** The class-specific defaults for the beta keys (diffusers' LCMScheduler differs from the rest). */
    record BetaDefaults(double start, double end, String schedule) {
        static final BetaDefaults STANDARD = new BetaDefaults(0.0001, 0.02, "linear");
        static final BetaDefaults LCM = new BetaDefaults(0.00085, 0.012, "scaled_linear");
    }

    /** What the scheduler class does with {@code rescale_betas_zero_snr}. */
    enum ZeroSnr {
        /** The class has no such option (PNDM, LMS): the key is ignored, as diffusers' from_config drops it. */
        IGNORED,
        /** Rescale; ᾱ_T becomes exactly 0 (DDIM, LCM). */
        EXACT,
        /** Rescale, then set ᾱ_T to 2⁻²⁴ so the sigma form stays finite (Euler, Euler a, DPM-Solver). */
        CLAMPED
    }

    private final double[] alphasCumprod;

    private NoiseSchedule(double[] alphasCumprod) {
        this.alphasCumprod = alphasCumprod;
    }

    static NoiseSchedule of(SchedulerConfig config, BetaDefaults defaults, ZeroSnr zeroSnr) {
        int n = config.numTrainTimesteps();
        double[] ac = alphasCumprod(n, config.betaStart(), config.betaEnd(), config.betaSchedule(), config.trainedBetas(), defaults);
        if (config.rescaleBetasZeroSnr() && zeroSnr != ZeroSnr.IGNORED) {
            rescaleZeroTerminalSnr(ac);
            if (zeroSnr == ZeroSnr.CLAMPED) ac[n - 1] = Math.scalb(1.0, -24);
        }
        return new NoiseSchedule(ac);
    }

    /**
     * Checks that the betas a config gives, with either class's defaults for the keys it leaves out,
     * keep every ᾱ_t above 0: at ᾱ = 0 the noise level sqrt((1 − ᾱ)/ᾱ) is infinite and every picture black.
     * Betas of 1 or more give ᾱ ≤ 0 at once; many steps of large betas underflow it to 0.
     *
     * @throws IllegalArgumentException naming the timestep where ᾱ reaches 0
     */
    static void checkUsable(int n, Double betaStart, Double betaEnd, String betaSchedule, List<Double> trainedBetas) {
        for (BetaDefaults d : List.of(BetaDefaults.STANDARD, BetaDefaults.LCM)) {
            double[] ac = alphasCumprod(n, betaStart, betaEnd, betaSchedule, trainedBetas, d);
            for (int t = 0; t < n; t++) {
                if (!(ac[t] > 0 && ac[t] <= 1)) {
                    throw new IllegalArgumentException("the betas (beta_start, beta_end, beta_schedule, trained_betas) make alphas_cumprod "
                            + ac[t] + " at timestep " + t + " of " + n + "; expected every cumulative product of (1 - beta) above 0");
                }
            }
            if (betaStart != null && betaEnd != null && betaSchedule != null) break; // the defaults play no part
        }
    }

    private static double[] alphasCumprod(int n, Double betaStart, Double betaEnd, String betaSchedule,
                                          List<Double> trained, BetaDefaults defaults) {
        double[] betas;
        if (trained != null) {
            betas = trained.stream().mapToDouble(Double::doubleValue).toArray();
        } else {
            double start = betaStart != null ? betaStart : defaults.start();
            double end = betaEnd != null ? betaEnd : defaults.end();
            String schedule = betaSchedule != null ? betaSchedule : defaults.schedule();
            betas = switch (schedule) {
                case "linear" -> linspace(start, end, n);
                case "scaled_linear" -> squared(linspace(Math.sqrt(start), Math.sqrt(end), n));
                case "squaredcos_cap_v2" -> cosineBetas(n);
                default -> throw new IllegalArgumentException("beta_schedule \"" + schedule + "\" is not supported");
            };
        }
        double[] ac = new double[n];
        double p = 1;
        for (int i = 0; i < n; i++) {
            p *= 1 - betas[i];
            ac[i] = p;
        }
        return ac;
    }

    int size() { return alphasCumprod.length; }

    /** ᾱ_t for an integer training timestep t. */
    double alphaCumprod(int t) {
        if (t < 0 || t >= alphasCumprod.length) {
            throw new IllegalArgumentException("timestep " + t + " is outside 0.." + (alphasCumprod.length - 1));
        }
        return alphasCumprod[t];
    }

    /** The variance-exploding noise level sqrt((1 − ᾱ_t)/ᾱ_t) of every training timestep, ascending in t. */
    double[] trainSigmas() {
        double[] s = new double[alphasCumprod.length];
        for (int t = 0; t < s.length; t++) s[t] = veSigma(alphasCumprod[t]);
        return s;
    }

    static double veSigma(double alphaCumprod) {
        return Math.sqrt((1 - alphaCumprod) / alphaCumprod);
    }

    /** sqrt((1 − ᾱ_t)/ᾱ_t) at a training timestep, for schedulers that work on ᾱ directly. */
    double veSigmaAt(int t) {
        return veSigma(alphaCumprod(t));
    }

    private static double[] linspace(double a, double b, int n) {
        double[] out = new double[n];
        if (n == 1) { out[0] = a; return out; }
        double step = (b - a) / (n - 1);
        for (int i = 0; i < n; i++) out[i] = a + i * step;
        out[n - 1] = b;
        return out;
    }

    private static double[] squared(double[] v) {
        for (int i = 0; i < v.length; i++) v[i] *= v[i];
        return v;
    }

    /** diffusers' betas_for_alpha_bar with the cosine ᾱ(t) of Nichol and Dhariwal, betas capped at 0.999. */
    private static double[] cosineBetas(int n) {
        double[] betas = new double[n];
        for (int i = 0; i < n; i++) {
            double t1 = (double) i / n, t2 = (double) (i + 1) / n;
            betas[i] = Math.min(1 - cosineAlphaBar(t2) / cosineAlphaBar(t1), 0.999);
        }
        return betas;
    }

    private static double cosineAlphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /** Lin et al. 2023, Algorithm 1: shift and scale sqrt(ᾱ) so the last timestep is pure noise. */
    private static void rescaleZeroTerminalSnr(double[] ac) {
        int n = ac.length;
        double first = Math.sqrt(ac[0]), last = Math.sqrt(ac[n - 1]);
        double scale = first / (first - last);
        for (int i = 0; i < n; i++) {
            double s = (Math.sqrt(ac[i]) - last) * scale;
            ac[i] = s * s;
        }
    }
}
