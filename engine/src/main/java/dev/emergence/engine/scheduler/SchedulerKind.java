package dev.emergence.engine.scheduler;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The schedulers the engine offers, with their command-line names and the names AUTOMATIC1111 writes
 * in PNG metadata. {@link #DPMPP_2M_KARRAS} is the older name of DPM++ 2M with the Karras
 * {@link ScheduleType}: still accepted, and read as that pair (see {@link #samplers()}).
 */
public enum SchedulerKind {
    DDIM("ddim", "DDIM", "DDIMScheduler"),
    PNDM("pndm", "PLMS", "PNDMScheduler"),
    LMS("lms", "LMS", "LMSDiscreteScheduler"),
    EULER("euler", "Euler", "EulerDiscreteScheduler"),
    EULER_ANCESTRAL("euler_a", "Euler a", "EulerAncestralDiscreteScheduler"),
    DPMPP_2M("dpmpp_2m", "DPM++ 2M", "DPMSolverMultistepScheduler"),
    DPMPP_2M_KARRAS("dpmpp_2m_karras", "DPM++ 2M Karras", null),
    LCM("lcm", "LCM", "LCMScheduler");

    private final String cliName;
    private final String a1111Name;
    private final String diffusersClass;

    SchedulerKind(String cliName, String a1111Name, String diffusersClass) {
        this.cliName = cliName;
        this.a1111Name = a1111Name;
        this.diffusersClass = diffusersClass;
    }

    public String cliName() { return cliName; }

    public String a1111Name() { return a1111Name; }

    /** Parses a command-line name ("euler_a") or an AUTOMATIC1111 name ("Euler a"), case-insensitively. */
    public static Optional<SchedulerKind> parse(String name) {
        if (name == null) return Optional.empty();
        String n = name.trim();
        return Arrays.stream(values())
                .filter(k -> k.cliName.equalsIgnoreCase(n) || k.a1111Name.equalsIgnoreCase(n))
                .findFirst();
    }

    /** The kind named by a diffusers {@code _class_name} (e.g. "PNDMScheduler"), if the engine has it. */
    public static Optional<SchedulerKind> fromDiffusersClass(String className, boolean karras) {
        if (className == null) return Optional.empty();
        if (className.equals("DPMSolverMultistepScheduler")) return Optional.of(karras ? DPMPP_2M_KARRAS : DPMPP_2M);
        return Arrays.stream(values()).filter(k -> className.equals(k.diffusersClass)).findFirst();
    }

    /**
     * The samplers to choose from, each once: every kind but {@link #DPMPP_2M_KARRAS}, which is
     * {@link #DPMPP_2M} with the Karras schedule type.
     */
    public static List<SchedulerKind> samplers() {
        return Arrays.stream(values()).filter(k -> k != DPMPP_2M_KARRAS).toList();
    }

    public static String cliNames() {
        return String.join(", ", Arrays.stream(values()).map(k -> k.cliName).toList());
    }

    @Override
    public String toString() { return cliName.toLowerCase(Locale.ROOT); }
}
