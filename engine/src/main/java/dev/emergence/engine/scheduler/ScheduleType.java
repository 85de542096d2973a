package dev.emergence.engine.scheduler;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How a sampler's noise levels are spread over its steps: AUTOMATIC1111's "Schedule type", made
 * with the scheduler config options diffusers maps those types to (diffusers' scheduler overview,
 * "Noise schedules and schedule types"):
 *
 * <ul>
 *   <li>{@link #AUTOMATIC}: the model's {@code scheduler_config.json} as it is.</li>
 *   <li>{@link #UNIFORM}: timesteps evenly spaced as the config spaces them ("linspace", or
 *   "leading"; a "trailing" config gets "linspace"), sigmas interpolated at them, with
 *   {@code use_karras_sigmas} and {@code use_exponential_sigmas} off.</li>
 *   <li>{@link #KARRAS}: {@code use_karras_sigmas} (Karras et al. 2022, ρ = 7).</li>
 *   <li>{@link #EXPONENTIAL}: {@code timestep_spacing} "linspace" with {@code use_exponential_sigmas}.</li>
 *   <li>{@link #SGM_UNIFORM}: {@code timestep_spacing} "trailing".</li>
 * </ul>
 *
 * Only the k-diffusion style samplers take a schedule type, and only the ones diffusers has:
 * Euler, LMS and DPM++ 2M all five; Euler a Automatic, Uniform and SGM Uniform
 * (EulerAncestralDiscreteScheduler has no Karras or exponential sigmas); DDIM, PLMS and LCM only
 * Automatic (they step their own timesteps; AUTOMATIC1111 ignores the schedule type for DDIM and PLMS).
 */
public enum ScheduleType {
    AUTOMATIC("automatic", "Automatic"),
    UNIFORM("uniform", "Uniform"),
    KARRAS("karras", "Karras"),
    EXPONENTIAL("exponential", "Exponential"),
    SGM_UNIFORM("sgm_uniform", "SGM Uniform");

    private final String cliName;
    private final String label;

    ScheduleType(String cliName, String label) {
        this.cliName = cliName;
        this.label = label;
    }

    public String cliName() { return cliName; }

    /** The name AUTOMATIC1111 shows and writes, e.g. "SGM Uniform". */
    public String label() { return label; }

    /**
     * A command-line name ("sgm_uniform") or an AUTOMATIC1111 label ("SGM Uniform", or its alias
     * "SGMUniform"), case-insensitively.
     */
    public static Optional<ScheduleType> parse(String name) {
        if (name == null) return Optional.empty();
        String n = name.trim();
        if (n.equalsIgnoreCase("SGMUniform")) return Optional.of(SGM_UNIFORM);
        return Arrays.stream(values()).filter(t -> t.cliName.equalsIgnoreCase(n) || t.label.equalsIgnoreCase(n)).findFirst();
    }

    public static String cliNames() {
        return Arrays.stream(values()).map(ScheduleType::cliName).collect(Collectors.joining(", "));
    }

    /** The schedule types a scheduler kind can run. */
    public static List<ScheduleType> forKind(SchedulerKind kind) {
        return switch (kind) {
            case EULER, LMS, DPMPP_2M -> List.of(values());
            case EULER_ANCESTRAL -> List.of(AUTOMATIC, UNIFORM, SGM_UNIFORM);
            case DPMPP_2M_KARRAS -> List.of(AUTOMATIC, KARRAS);
            case DDIM, PNDM, LCM -> List.of(AUTOMATIC);
        };
    }

    public boolean supports(SchedulerKind kind) {
        return forKind(kind).contains(this);
    }

    /**
     * Why {@code kind} cannot run this schedule type, in one line naming what it can run; empty
     * when it can.
     */
    public Optional<String> refusal(SchedulerKind kind) {
        if (supports(kind)) return Optional.empty();
        List<ScheduleType> can = forKind(kind);
        String why = can.size() == 1
                ? "the " + kind.a1111Name() + " scheduler steps its own timesteps and takes no schedule type"
                : "the " + kind.a1111Name() + " scheduler has no " + label + " schedule";
        return Optional.of(why + "; expected " + or(can.stream().map(ScheduleType::cliName).toList()));
    }

    /**
     * The config a scheduler of {@code kind} is made from to run this schedule type.
     *
     * @throws IllegalArgumentException with {@link #refusal}'s line when the kind cannot run it
     */
    public SchedulerConfig configure(SchedulerKind kind, SchedulerConfig config) {
        Optional<String> refused = refusal(kind);
        if (refused.isPresent()) throw new IllegalArgumentException(refused.get());
        if (this == AUTOMATIC || kind == SchedulerKind.DPMPP_2M_KARRAS) return config;
        SchedulerConfig.Builder b = config.toBuilder().useKarrasSigmas(false).useExponentialSigmas(false);
        switch (this) {
            case UNIFORM -> {
                b.interpolationType("linear");
                if ("trailing".equals(config.timestepSpacing())) b.timestepSpacing("linspace");
            }
            case KARRAS -> b.useKarrasSigmas(true);
            // The sigma schedulers' own default spacing is linspace: an absent key stays absent.
            case EXPONENTIAL -> {
                b.useExponentialSigmas(true);
                if (config.timestepSpacing() != null) b.timestepSpacing("linspace");
            }
            case SGM_UNIFORM -> b.interpolationType("linear").timestepSpacing("trailing");
            default -> throw new IllegalStateException(name());
        }
        return b.build();
    }

    /**
     * The schedule type that runs exactly what {@link #AUTOMATIC} runs for this kind and config,
     * so a picture's parameters name the schedule it was made with: e.g. Karras for a
     * DPM-Solver config with {@code use_karras_sigmas}, Uniform for SD 1.5's. AUTOMATIC when no
     * other type does (kinds without schedule types; interpolation_type log_linear).
     */
    public static ScheduleType resolve(SchedulerKind kind, SchedulerConfig config) {
        if (kind == SchedulerKind.DPMPP_2M_KARRAS) return KARRAS;
        for (ScheduleType t : values()) {
            if (t != AUTOMATIC && t.supports(kind) && effective(kind, t.configure(kind, config)).equals(effective(kind, config))) {
                return t;
            }
        }
        return AUTOMATIC;
    }

    /** The options that decide a schedule, with the class defaults filled in. */
    private static List<Object> effective(SchedulerKind kind, SchedulerConfig c) {
        boolean karrasKeys = kind != SchedulerKind.EULER_ANCESTRAL; // EulerAncestralDiscreteScheduler has neither key
        String spacing = c.timestepSpacing() != null ? c.timestepSpacing() : "linspace";
        boolean exponential = karrasKeys && c.useExponentialSigmas();
        // DPM-Solver's Karras and exponential sigmas span the whole training range, whatever the spacing.
        if (kind == SchedulerKind.DPMPP_2M && (c.useKarrasSigmas() || exponential)) spacing = "any";
        return List.of(karrasKeys && c.useKarrasSigmas(), exponential, spacing,
                kind == SchedulerKind.EULER ? c.interpolationType() : "linear");
    }

    private static String or(List<String> names) {
        if (names.size() == 1) return names.get(0);
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }

    @Override
    public String toString() { return cliName.toLowerCase(Locale.ROOT); }
}
