package dev.emergence.engine.scheduler;

import java.util.Arrays;

/** diffusers' {@code timestep_spacing}: how the inference timesteps are picked from the training ones. */
enum Spacing {
    LEADING, LINSPACE, TRAILING;

    static Spacing of(SchedulerConfig config, Spacing classDefault) {
        String s = config.timestepSpacing();
        if (s == null) return classDefault;
        return switch (s) {
            case "leading" -> LEADING;
            case "linspace" -> LINSPACE;
            case "trailing" -> TRAILING;
            default -> throw new IllegalArgumentException("timestep_spacing \"" + s + "\" is not supported");
        };
    }

    /**
     * The descending timesteps most diffusers schedulers share:
     * linspace: linspace(0, T−1, n), rounded when {@code roundLinspace} (the integer-timestep schedulers);
     * leading: i·(T // n) + steps_offset; trailing: round(arange(T, 0, −T/n)) − 1.
     */
    double[] descending(int n, int trainSteps, int stepsOffset, boolean roundLinspace) {
        return switch (this) {
            case LINSPACE -> {
                double[] t = Numpy.linspace(0, trainSteps - 1, n, true);
                yield Numpy.reversed(roundLinspace ? Numpy.round(t) : t);
            }
            case LEADING -> {
                int ratio = trainSteps / n;
                double[] t = new double[n];
                for (int i = 0; i < n; i++) t[i] = (double) (n - 1 - i) * ratio + stepsOffset;
                // The integer-timestep schedulers index ᾱ by timestep: diffusers fails there with an
                // IndexError; the sigma schedulers interpolate, which clamps, so only they may go past.
                if (roundLinspace && t[0] > trainSteps - 1) {
                    int most = n;
                    while (most > 1 && (double) (most - 1) * (trainSteps / most) + stepsOffset > trainSteps - 1) most--;
                    throw new IllegalArgumentException(n + " steps with \"leading\" timestep spacing and steps_offset " + stepsOffset
                            + " reach timestep " + (long) t[0] + ", past the model's last training timestep " + (trainSteps - 1)
                            + "; expected at most " + most + (most == 1 ? " step" : " steps"));
                }
                yield t;
            }
            case TRAILING -> trailing(trainSteps, trainSteps / (double) n);
        };
    }

    /**
     * round(arange(start, 0, −ratio)) − 1. numpy's arange sometimes yields one extra value a hair
     * above 0 (e.g. 61 steps of 1000), which would become timestep −1; diffusers then indexes
     * ᾱ from the end. Such values are dropped here.
     */
    static double[] trailing(double start, double ratio) {
        double[] t = Numpy.plus(Numpy.round(Numpy.arange(start, 0, -ratio)), -1);
        int keep = t.length;
        while (keep > 0 && t[keep - 1] < 0) keep--;
        return keep == t.length ? t : Arrays.copyOf(t, keep);
    }
}
