package dev.emergence.engine.scheduler;

/**
 * numpy's array formulas as diffusers' {@code set_timesteps} uses them. Reproduced operation for
 * operation, because timesteps are rounded afterwards and a value that lands on .5 in numpy must
 * land there here too (numpy rounds half to even, like {@link Math#rint}).
 */
final class Numpy {
    private Numpy() {
    }

    /** {@code np.linspace(start, stop, num, endpoint)}: i·step + start, the last value set to stop. */
    static double[] linspace(double start, double stop, int num, boolean endpoint) {
        double[] y = new double[num];
        int div = endpoint ? num - 1 : num;
        double delta = stop - start;
        if (div > 0) {
            double step = delta / div;
            for (int i = 0; i < num; i++) y[i] = step == 0 ? i / (double) div * delta + start : i * step + start;
            if (endpoint && num > 1) y[num - 1] = stop;
        } else {
            for (int i = 0; i < num; i++) y[i] = i * delta + start;
        }
        return y;
    }

    /**
     * {@code np.arange(start, stop, step)} for floating-point arguments: ceil((stop − start)/step)
     * values, start + i·((start + step) − start), as numpy's fill computes them.
     */
    static double[] arange(double start, double stop, double step) {
        int len = (int) Math.max(0, Math.ceil((stop - start) / step));
        double[] y = new double[len];
        if (len > 0) y[0] = start;
        if (len > 1) y[1] = start + step;
        double delta = (start + step) - start;
        for (int i = 2; i < len; i++) y[i] = start + i * delta;
        return y;
    }

    /** {@code np.round}: half to even. */
    static double[] round(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.rint(v[i]);
        return out;
    }

    static double[] reversed(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[v.length - 1 - i];
        return out;
    }

    static double[] plus(double[] v, double c) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i] + c;
        return out;
    }

    /** {@code np.interp(x, arange(len(fp)), fp)}: linear between integer knots, clamped at both ends. */
    static double interp(double x, double[] fp) {
        int last = fp.length - 1;
        if (!(x > 0)) return fp[0];
        if (x >= last) return fp[last];
        int j = (int) Math.floor(x);
        double frac = x - j;
        return frac == 0 ? fp[j] : (fp[j + 1] - fp[j]) * frac + fp[j];
    }

    static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double d : v) m = Math.max(m, d);
        return m;
    }
}
