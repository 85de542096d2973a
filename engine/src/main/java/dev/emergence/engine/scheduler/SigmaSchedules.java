package dev.emergence.engine.scheduler;

/** The sigma schedules of diffusers' k-diffusion style schedulers (Euler, LMS, DPM-Solver). */
final class SigmaSchedules {
    private SigmaSchedules() {
    }

    /** Training sigmas linearly interpolated at (possibly fractional) timesteps, as np.interp. */
    static double[] interpolate(double[] timesteps, double[] trainSigmas) {
        double[] out = new double[timesteps.length];
        for (int i = 0; i < out.length; i++) out[i] = Numpy.interp(timesteps[i], trainSigmas);
        return out;
    }

    /** Karras et al. 2022, eq. 5 with ρ = 7: n sigmas from sigmaMax down to sigmaMin. */
    static double[] karras(double sigmaMin, double sigmaMax, int n) {
        double rho = 7.0;
        double minInv = Math.pow(sigmaMin, 1 / rho), maxInv = Math.pow(sigmaMax, 1 / rho);
        double[] ramp = Numpy.linspace(0, 1, n, true);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = Math.pow(maxInv + ramp[i] * (minInv - maxInv), rho);
        return out;
    }

    /** n sigmas evenly spaced in log from sigmaMax down to sigmaMin. */
    static double[] exponential(double sigmaMin, double sigmaMax, int n) {
        double[] l = Numpy.linspace(Math.log(sigmaMax), Math.log(sigmaMin), n, true);
        for (int i = 0; i < n; i++) l[i] = Math.exp(l[i]);
        return l;
    }

    /**
     * The fractional training timestep whose sigma is {@code sigma}: linear interpolation in log
     * sigma between the two neighbouring training timesteps (diffusers' _sigma_to_t), clamped to
     * 0..T−1.
     */
    static double sigmaToT(double sigma, double[] logSigmas) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        // the last training timestep whose log sigma is <= logSigma (0 when there is none)
        int low = 0;
        for (int j = 0; j < logSigmas.length; j++) if (logSigma - logSigmas[j] >= 0) low = j;
        low = Math.min(low, logSigmas.length - 2);
        double lo = logSigmas[low], hi = logSigmas[low + 1];
        double w = (lo - logSigma) / (lo - hi);
        w = Math.min(1, Math.max(0, w));
        return (1 - w) * low + w * (low + 1);
    }

    static double[] sigmasToT(double[] sigmas, double[] logSigmas) {
        double[] t = new double[sigmas.length];
        for (int i = 0; i < t.length; i++) t[i] = sigmaToT(sigmas[i], logSigmas);
        return t;
    }

    static double[] log(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.log(v[i]);
        return out;
    }

    /** The sigmas followed by one final value (0, or the smallest training sigma). */
    static double[] append(double[] sigmas, double last) {
        double[] out = java.util.Arrays.copyOf(sigmas, sigmas.length + 1);
        out[sigmas.length] = last;
        return out;
    }
}
