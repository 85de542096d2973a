package dev.emergence.engine.scheduler;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.random.TorchGenerator;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every scheduler, spacing, steps_offset and step count at the edges of a valid config either is
 * refused by {@link Schedulers#prepare} with a one-line error, or runs every step, img2img's
 * add_noise included, to finite latents: no timestep index can run past the schedule mid-generation.
 */
class ScheduleEdgesTest {
    @Test
    void everyEdgeIsRefusedUpFrontOrRunsToFiniteLatents() {
        List<String> failures = new ArrayList<>();
        Tensor sample = new TorchGenerator(3).randn(1, 4, 2, 2);
        List<SchedulerConfig> bases = List.of(SchedulerConfig.sd15(),
                SchedulerConfig.sd15().withPredictionType("v_prediction"),
                SchedulerConfig.sd15().toBuilder().predictionType("v_prediction").rescaleBetasZeroSnr(true).build(),
                SchedulerConfig.sd15().toBuilder().rescaleBetasZeroSnr(true).build(),
                SchedulerConfig.sd15().toBuilder().betaSchedule("squaredcos_cap_v2").build(),
                SchedulerConfig.sd15().toBuilder().betaSchedule("linear").betaStart(0.0001).betaEnd(0.02).build());
        for (SchedulerConfig base : bases)
        for (SchedulerKind kind : SchedulerKind.values()) {
            for (String spacing : new String[] {"leading", "linspace", "trailing"}) {
                for (int offset : new int[] {0, 1, 999}) {
                    for (int steps : new int[] {1, 2, 3, 50, 999, 1000}) {
                        SchedulerConfig config = base.toBuilder().timestepSpacing(spacing).stepsOffset(offset)
                                .skipPrkSteps(kind != SchedulerKind.PNDM || offset != 999).build();
                        String what = base.predictionType() + (base.rescaleBetasZeroSnr() ? " zero-snr " : " ") + base.betaSchedule() + " " + kind + " " + spacing + " offset " + offset + " steps " + steps;
                        Scheduler s;
                        try {
                            s = Schedulers.prepare(kind, config, "m/scheduler/scheduler_config.json", steps);
                        } catch (InvalidRequestException | ModelException e) {
                            if (e.getMessage().contains("\n")) failures.add(what + ": " + e.getMessage());
                            continue;
                        }
                        try {
                            TorchGenerator g = new TorchGenerator(1);
                            Tensor latents = s.addNoise(sample, sample, 0);
                            for (int i = 0; i < s.timesteps().length; i++) {
                                Tensor in = s.scaleModelInput(latents, i);
                                latents = s.step(in.scale(0.1f), i, latents, g).prevSample();
                                s.sigmaAt(i);
                            }
                            for (float v : latents.data()) {
                                if (!Float.isFinite(v)) {
                                    failures.add(what + ": non-finite latents");
                                    break;
                                }
                            }
                        } catch (RuntimeException e) {
                            failures.add(what + ": " + e);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), failures);
    }
}
