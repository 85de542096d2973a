package dev.emergence.engine.scheduler;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.model.ModelException;

import java.util.Objects;
import java.util.Optional;

/** Creates schedulers, and picks the one a model's {@code scheduler_config.json} asks for. */
public final class Schedulers {
    private Schedulers() {
    }

    /**
     * The scheduler of the given kind configured from {@code config}, whichever class the config was
     * written for (as diffusers' {@code from_config}). The DPM-Solver++ kinds always run
     * algorithm dpmsolver++ with solver order 2, Karras sigmas on or off by kind.
     *
     * @throws IllegalArgumentException if the config asks for something this scheduler cannot do
     *                                  (e.g. prediction_type sample for PNDM)
     */
    public static Scheduler create(SchedulerKind kind, SchedulerConfig config) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(config, "config");
        return switch (kind) {
            case DDIM -> new DdimScheduler(config);
            case PNDM -> new PndmScheduler(config);
            case LMS -> new LmsScheduler(config);
            case EULER -> new EulerScheduler(config);
            case EULER_ANCESTRAL -> new EulerAncestralScheduler(config);
            case DPMPP_2M, DPMPP_2M_KARRAS -> new DpmSolverMultistepScheduler(kind, config);
            case LCM -> new LcmScheduler(config);
        };
    }

    /**
     * {@link #create} then {@link Scheduler#setTimesteps}, with their failures as the one-line errors
     * users get: what the config asks of this scheduler is the model's fault, a step count it cannot
     * run is the request's.
     *
     * @param configLabel names the config in errors, e.g. "tiny-sd/scheduler/scheduler_config.json"
     * @throws ModelException         the config cannot configure this scheduler
     * @throws InvalidRequestException the scheduler cannot run {@code steps} steps of this model's schedule
     */
    public static Scheduler prepare(SchedulerKind kind, SchedulerConfig config, String configLabel, int steps)
            throws ModelException, InvalidRequestException {
        return prepare(kind, config, configLabel, steps, 1.0);
    }

    /**
     * As {@link #prepare(SchedulerKind, SchedulerConfig, String, int)} with the schedule itself
     * starting below {@code strength} (see {@link Scheduler#setTimesteps(int, double)}).
     */
    public static Scheduler prepare(SchedulerKind kind, SchedulerConfig config, String configLabel, int steps, double strength)
            throws ModelException, InvalidRequestException {
        Scheduler scheduler;
        try {
            scheduler = create(kind, config);
        } catch (IllegalArgumentException e) {
            throw new ModelException(configLabel + ": " + e.getMessage() + " (for the " + kind.a1111Name() + " scheduler)", e);
        }
        try {
            scheduler.setTimesteps(steps, strength);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("steps: " + e.getMessage(), e);
        }
        if (config.predictionType().equals("epsilon") && (kind == SchedulerKind.DDIM || kind == SchedulerKind.LCM)) {
            // rescale_betas_zero_snr sets the last ᾱ to exactly 0 for these classes; an epsilon
            // model's x0 = (x − sqrt(1 − ᾱ)·ε)/sqrt(ᾱ) is then infinite (diffusers too gives NaN).
            double[] t = scheduler.timesteps();
            for (int i = 0; i < t.length; i++) {
                if (Double.isInfinite(scheduler.sigmaAt(i))) {
                    throw new ModelException(configLabel + ": rescale_betas_zero_snr makes alphas_cumprod 0 at timestep " + (long) t[i]
                            + ", which the " + kind.a1111Name() + " scheduler visits; an epsilon model's step divides by it there; "
                            + "expected prediction_type v_prediction with rescale_betas_zero_snr");
                }
            }
        }
        int repeat = repeatedSigma(scheduler);
        if (repeat >= 0) {
            int most = steps - 1;
            while (most > 1 && repeatedSigma(timed(kind, config, most)) >= 0) most--;
            throw new InvalidRequestException("steps: " + steps + " steps of the " + kind.a1111Name() + " scheduler give the noise level "
                    + (float) scheduler.sigmas()[repeat] + " twice (steps " + (repeat + 1) + " and " + (repeat + 2)
                    + "), where its update divides by zero; expected at most " + most + (most == 1 ? " step" : " steps"));
        }
        return scheduler;
    }

    private static Scheduler timed(SchedulerKind kind, SchedulerConfig config, int steps) {
        Scheduler s = create(kind, config);
        s.setTimesteps(steps);
        return s;
    }

    /**
     * Where two consecutive steps of a multistep sigma scheduler have the same sigma, or −1. LMS's
     * Lagrange coefficients and DPM-Solver's step ratio divide by the difference, so diffusers gives
     * NaN there (e.g. DPM++ 2M at 1000 of 1000 training steps, whose rounded timesteps repeat; or
     * "leading" timesteps past the last training one, whose sigmas clamp to the same value).
     */
    private static int repeatedSigma(Scheduler s) {
        if (s.kind() != SchedulerKind.LMS && s.kind() != SchedulerKind.DPMPP_2M && s.kind() != SchedulerKind.DPMPP_2M_KARRAS) return -1;
        double[] sigmas = s.sigmas();
        for (int i = 0; i + 1 < s.timesteps().length; i++) {
            if (!(sigmas[i] > sigmas[i + 1])) return i;
        }
        return -1;
    }

    /** The kind the config's {@code _class_name} names, or the fallback of {@link #defaultChoice}. */
    public static SchedulerKind defaultKind(SchedulerConfig config) {
        return defaultChoice(config).kind();
    }

    /**
     * The kind the config's {@code _class_name} names. Without a class name: PNDM, Stable
     * Diffusion's default. A class the engine does not implement: Euler, which samples any
     * epsilon or v model well, with the reason saying so.
     */
    public static Choice defaultChoice(SchedulerConfig config) {
        String name = config.className();
        if (name == null || name.isBlank()) {
            return new Choice(SchedulerKind.PNDM,
                    Optional.of("the scheduler config names no scheduler class; using PNDM, Stable Diffusion's default"));
        }
        Optional<SchedulerKind> kind = SchedulerKind.fromDiffusersClass(name, config.useKarrasSigmas());
        if (kind.isEmpty()) {
            return new Choice(SchedulerKind.EULER,
                    Optional.of("the scheduler config names " + name + ", which is not available; using Euler"));
        }
        if (name.equals("DPMSolverMultistepScheduler")
                && (!config.algorithmType().equals("dpmsolver++") || config.solverOrder() != 2)) {
            return new Choice(kind.get(), Optional.of("the scheduler config asks for DPM-Solver with algorithm_type "
                    + config.algorithmType() + " and solver_order " + config.solverOrder()
                    + "; using DPM++ 2M (dpmsolver++, order 2)"));
        }
        return new Choice(kind.get(), Optional.empty());
    }

    /**
     * A scheduler kind picked for a model.
     *
     * @param kind           the kind to use
     * @param fallbackReason why it is not exactly what the config names, if it is not
     */
    public record Choice(SchedulerKind kind, Optional<String> fallbackReason) {
        public Choice {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(fallbackReason, "fallbackReason");
        }
    }
}
