package dev.emergence.engine.pipeline;

import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The note that explains a step count larger than the steps asked for. */
class StepSnapshotTest {
    private static StepSnapshot step(int count, int warmUps) {
        Tensor t = Tensor.zeros(1, 4, 8, 8);
        return new StepSnapshot(0, count, 981, 14.6, t, t, Duration.ofMillis(10), warmUps);
    }

    @Test
    void plmsSaysItsWarmUpAndOtherSchedulersSayNothing() {
        assertEquals(" (PLMS: 20 steps + 1 warm-up)", step(21, 1).warmUpNote(SchedulerKind.PNDM));
        assertEquals(20, step(21, 1).requestedSteps());
        // PNDM's Runge-Kutta mode warms up for more than one evaluation: it is not PLMS then.
        assertEquals(" (PNDM: 4 steps + 3 warm-up)", step(7, 3).warmUpNote(SchedulerKind.PNDM));
        assertEquals("", step(20, 0).warmUpNote(SchedulerKind.PNDM));
        assertEquals("", step(20, 0).warmUpNote(SchedulerKind.EULER_ANCESTRAL));
    }
}
