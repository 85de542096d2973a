package dev.emergence.engine.cli;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.scheduler.ScheduleType;
import dev.emergence.engine.scheduler.Scheduler;
import dev.emergence.engine.scheduler.SchedulerConfig;
import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.scheduler.Schedulers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "schedule", mixinStandardHelpOptions = true,
        description = {"Print a scheduler's timesteps and sigmas as JSON.",
                "The output is {\"timesteps\": [...], \"sigmas\": [...]}, as diffusers' set_timesteps makes them."})
final class ScheduleCommand implements Callable<Integer> {
    @Option(names = "--scheduler", required = true, paramLabel = "NAME",
            description = "The sampler: ddim, pndm, lms, euler, euler_a, dpmpp_2m or lcm (dpmpp_2m_karras is dpmpp_2m with --schedule karras).")
    String scheduler;

    @Option(names = "--schedule", paramLabel = "TYPE", description = ScheduleOption.HELP + " Default: automatic.")
    String schedule;

    @Option(names = "--steps", required = true, paramLabel = "N", description = "Number of inference steps.")
    int steps;

    @Option(names = "--model", paramLabel = "DIR|NAME",
            description = "A model folder or library model whose scheduler/scheduler_config.json is used (default: Stable Diffusion 1.5's).")
    String model;

    @Override
    public Integer call() throws Exception {
        SchedulerKind kind = SchedulerKind.parse(scheduler).orElseThrow(() -> new InvalidRequestException(
                "scheduler: '" + scheduler + "' is unknown; expected one of " + SchedulerKind.cliNames()));
        ScheduleType type = ScheduleOption.parse(schedule);
        if (type == null) type = ScheduleType.AUTOMATIC;
        var refused = type.refusal(kind);
        if (refused.isPresent()) throw new InvalidRequestException("schedule: " + type.cliName() + " cannot be used: " + refused.get());
        if (steps < 1 || steps > dev.emergence.engine.pipeline.GenerationRequest.MAX_STEPS) {
            throw new InvalidRequestException("steps: " + steps + " is out of range; expected 1 to "
                    + dev.emergence.engine.pipeline.GenerationRequest.MAX_STEPS);
        }
        SchedulerConfig config = SchedulerConfig.sd15();
        String label = "Stable Diffusion 1.5's scheduler config";
        if (model != null) {
            Path file = ModelArgument.resolve(model).resolve("scheduler").resolve("scheduler_config.json");
            if (!Files.isRegularFile(file)) {
                throw new ModelException(file + ": not found; expected the model's scheduler configuration");
            }
            label = file.toString();
            try {
                config = SchedulerConfig.load(file);
            } catch (IOException e) {
                throw new ModelException(e.getMessage(), e);
            }
        }
        Scheduler s = Schedulers.prepare(kind, type.configure(kind, config), label, steps);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("timesteps", s.timesteps());
        out.put("sigmas", s.sigmas());
        System.out.println(Json.MAPPER.writeValueAsString(out));
        return ExitCodes.OK;
    }
}
