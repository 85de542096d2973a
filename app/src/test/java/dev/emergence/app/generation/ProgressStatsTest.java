package dev.emergence.app.generation;

import dev.emergence.engine.pipeline.StepSnapshot;
import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressStatsTest {
    @Test
    void rateAndEtaAreMeasuredFromTheFirstStepOn() {
        // Step 0 ended at 2.0 s (text encoding included); step 5 (6 done) at 4.5 s:
        // 5 steps in 2.5 s = 2 it/s; 14 steps left of 20 → 7 s.
        ProgressStats s = ProgressStats.of(5, 20, Duration.ofMillis(4500), Duration.ofMillis(2000), "");
        assertEquals(6, s.step());
        assertEquals(2.0, s.itPerSecond(), 1e-9);
        assertEquals(Duration.ofSeconds(7), s.eta());
        assertEquals("step 6/20", s.stepLabel());
        assertEquals("2.00 it/s", s.rateLabel());
        assertEquals("ETA 0:07", s.etaLabel());
        assertEquals(0.3, s.fraction(), 1e-12);
    }

    @Test
    void plmsCountsItsWarmUpAndSaysSoAsTheCommandLineDoes() {
        // PNDM asked for 20 steps runs 21 evaluations; the engine's snapshot says one is a warm-up.
        Tensor t = Tensor.zeros(1, 4, 8, 8);
        StepSnapshot first = new StepSnapshot(0, 21, 981, 14.6, t, t, Duration.ofMillis(800), 1);
        ProgressStats s = ProgressStats.of(first, Duration.ofMillis(800), SchedulerKind.PNDM);
        assertEquals("step 1/21 (PLMS: 20 steps + 1 warm-up)", s.stepLabel());
        assertEquals(21, s.total());
        // The same words as the command line's progress line ("step 1/21 (PLMS: 20 steps + 1 warm-up)  t=...").
        assertEquals(" (PLMS: 20 steps + 1 warm-up)", first.warmUpNote(SchedulerKind.PNDM));

        StepSnapshot euler = new StepSnapshot(3, 20, 700, 3.1, t, t, Duration.ofMillis(2000));
        assertEquals("step 4/20", ProgressStats.of(euler, Duration.ofMillis(500), SchedulerKind.EULER).stepLabel());
    }

    @Test
    void slowStepsShowSecondsPerIteration() {
        // 2 steps after the first in 5 s: 0.4 it/s = 2.5 s/it; 97 left → 242.5 s → 4:03 (rounded).
        ProgressStats s = ProgressStats.of(2, 100, Duration.ofMillis(6000), Duration.ofMillis(1000), "");
        assertEquals("2.50 s/it", s.rateLabel());
        assertEquals("ETA 4:03", s.etaLabel());
    }

    @Test
    void afterOneStepTheRateIsNotKnownYet() {
        ProgressStats s = ProgressStats.of(0, 20, Duration.ofMillis(900), Duration.ofMillis(900), "");
        assertTrue(Double.isNaN(s.itPerSecond()));
        assertNull(s.eta());
        assertEquals("ETA –", s.etaLabel());
    }
}
