package dev.emergence.engine.cli;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.scheduler.ScheduleType;

/** The --schedule option the commands that take a sampler share. */
final class ScheduleOption {
    static final String HELP = "How the sampler spreads its noise levels over the steps, as AUTOMATIC1111's Schedule type:"
            + " automatic (what the model's scheduler config asks for), uniform, karras, exponential or sgm_uniform."
            + " euler, lms and dpmpp_2m take all of them, euler_a takes automatic, uniform and sgm_uniform,"
            + " and ddim, pndm and lcm take only automatic.";

    private ScheduleOption() {
    }

    /** The named type, or null when the option was not given. */
    static ScheduleType parse(String text) throws InvalidRequestException {
        if (text == null) return null;
        return ScheduleType.parse(text).orElseThrow(() -> new InvalidRequestException(
                "schedule: '" + text + "' is unknown; expected one of " + ScheduleType.cliNames()));
    }
}
