package dev.emergence.engine.scheduler;

import java.util.List;
import java.util.Optional;

/**
 * AUTOMATIC1111's sampler and "Schedule type" names, read and written as it does.
 *
 * <p>Reading follows modules/sd_samplers.py get_sampler_and_scheduler (AUTOMATIC1111 1.9 and
 * later), which is how it reads a picture's parameters: the schedule type is looked up by name or
 * label; a sampler name ending in " " and a schedule type's label, name or alias ("DPM++ 2M
 * Karras", the names before 1.9) has it cut off and takes that schedule type instead; a missing
 * or "Automatic" schedule type is the sampler's own default, which for DPM++ 2M is Karras
 * (modules/sd_samplers_kdiffusion.py: {@code 'DPM++ 2M', ..., {'scheduler': 'karras'}}) and
 * for Euler, Euler a and LMS evenly spaced sigmas. Where AUTOMATIC1111 silently falls back (an
 * unknown sampler or schedule type), the engine refuses in one line.
 */
public final class A1111Sampling {
    private A1111Sampling() {
    }

    /** modules/sd_schedulers.py's schedulers in its order: name, label, then aliases. */
    private static final List<List<String>> SCHEDULERS = List.of(
            List.of("automatic", "Automatic"),
            List.of("uniform", "Uniform"),
            List.of("karras", "Karras"),
            List.of("exponential", "Exponential"),
            List.of("polyexponential", "Polyexponential"),
            List.of("sgm_uniform", "SGM Uniform", "SGMUniform"),
            List.of("kl_optimal", "KL Optimal"),
            List.of("align_your_steps", "Align Your Steps"),
            List.of("simple", "Simple"),
            List.of("normal", "Normal"),
            List.of("ddim", "DDIM"),
            List.of("beta", "Beta"));

    /**
     * What a picture's Sampler and Schedule type entries ask the engine for.
     *
     * @param ignored the schedule type, when the picture names one its sampler does not take here
     *                (DDIM and PLMS take none in AUTOMATIC1111 either)
     */
    public record Choice(SchedulerKind kind, ScheduleType schedule, Optional<String> ignored) {
    }

    /**
     * Reads the Sampler and Schedule type entries of a picture's parameters.
     *
     * @param scheduleType null when the parameters have none (pictures from before 1.9)
     * @throws IllegalArgumentException one line naming what the engine lacks and what it has
     */
    public static Choice read(String sampler, String scheduleType) {
        List<String> found = scheduleType == null ? SCHEDULERS.get(0) : lookup(scheduleType);
        String name = sampler == null ? "" : sampler;
        for (List<String> s : SCHEDULERS) {
            for (String option : s) {
                if (name.endsWith(" " + option)) {
                    found = s;
                    name = name.substring(0, name.length() - option.length() - 1);
                    break;
                }
            }
        }
        String shownName = name;
        SchedulerKind kind = SchedulerKind.parse(name).filter(k -> k != SchedulerKind.DPMPP_2M_KARRAS)
                .orElseThrow(() -> new IllegalArgumentException("sampler '" + shownName + "' is not one this engine has; expected one of "
                        + String.join(", ", SchedulerKind.samplers().stream().map(SchedulerKind::a1111Name).toList())));
        if (found == null) {
            throw new IllegalArgumentException("Schedule type '" + scheduleType + "' is unknown; expected " + labels());
        }
        String label = found.get(1);
        if (ScheduleType.forKind(kind).size() == 1) {
            Optional<String> ignored = label.equals("Automatic") ? Optional.empty()
                    : Optional.of("Schedule type " + label + " (the " + kind.a1111Name() + " sampler takes none)");
            return new Choice(kind, ScheduleType.AUTOMATIC, ignored);
        }
        ScheduleType type;
        if (label.equals("Automatic")) {
            type = kind == SchedulerKind.DPMPP_2M ? ScheduleType.KARRAS : ScheduleType.UNIFORM;
        } else {
            type = ScheduleType.parse(label).orElseThrow(() -> new IllegalArgumentException("Schedule type '" + label
                    + "' is not one this engine has; expected " + labels()));
        }
        Optional<String> refused = type.refusal(kind);
        if (refused.isPresent()) {
            throw new IllegalArgumentException("Schedule type '" + label + "' with sampler '" + kind.a1111Name() + "': " + refused.get());
        }
        return new Choice(kind, type, Optional.empty());
    }

    /**
     * The Schedule type entry a picture made with {@code kind} and {@code type} gets: the type's
     * label, and "Automatic" for samplers that take none (as AUTOMATIC1111 writes for DDIM and PLMS).
     */
    public static String label(SchedulerKind kind, ScheduleType type) {
        return ScheduleType.forKind(kind).size() == 1 ? ScheduleType.AUTOMATIC.label() : type.label();
    }

    /** schedulers_map: by name or label (not by alias), exactly; null when unknown. */
    private static List<String> lookup(String scheduleType) {
        for (List<String> s : SCHEDULERS) {
            if (s.get(0).equals(scheduleType) || s.get(1).equals(scheduleType)) return s;
        }
        return null;
    }

    private static String labels() {
        List<String> l = java.util.Arrays.stream(ScheduleType.values()).map(ScheduleType::label).toList();
        return String.join(", ", l.subList(0, l.size() - 1)) + " or " + l.get(l.size() - 1);
    }
}
