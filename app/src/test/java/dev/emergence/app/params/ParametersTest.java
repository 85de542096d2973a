package dev.emergence.app.params;

import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.scheduler.ScheduleType;
import dev.emergence.engine.scheduler.SchedulerKind;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ParametersTest {
    private final AtomicLong dice = new AtomicLong(100);
    private final Parameters p = new Parameters(dice::incrementAndGet);

    private long nextSeed() {
        return p.toRequest(64, 64, GenerationMode.TXT2IMG, "m").seed();
    }

    @Test
    void theSeedOnDisplayIsUsedOnceThenAnOpenLockRolls() {
        assertEquals(101, nextSeed(), "the seed shown at start");
        assertEquals(102, nextSeed(), "rolled: the field showed the last run's seed");
        p.seedProperty().set(12345);
        assertEquals(12345, nextSeed(), "typed, with the lock open");
        assertEquals(103, nextSeed());
        p.rollSeed();
        assertEquals(104, nextSeed(), "the dice's seed is the next run's");
        p.seedLockedProperty().set(true);
        assertEquals(104, nextSeed());
        assertEquals(104, nextSeed(), "locked: kept");
    }

    /** The schedule type stays one the sampler takes (ScheduleType.forKind), and goes into the request. */
    @Test
    void theScheduleTypeFollowsTheSampler() {
        p.schedulerProperty().set(SchedulerKind.EULER);
        p.scheduleProperty().set(ScheduleType.KARRAS);
        assertEquals(ScheduleType.KARRAS, p.toRequest(64, 64, GenerationMode.TXT2IMG, "m").schedule());
        p.schedulerProperty().set(SchedulerKind.EULER_ANCESTRAL);
        assertEquals(ScheduleType.AUTOMATIC, p.scheduleProperty().get(), "Euler a has no Karras schedule");
        p.scheduleProperty().set(ScheduleType.EXPONENTIAL);
        assertEquals(ScheduleType.AUTOMATIC, p.scheduleProperty().get());
        p.scheduleProperty().set(null);
        assertEquals(ScheduleType.AUTOMATIC, p.scheduleProperty().get());

        // A model config's DPM-Solver with Karras sigmas names the older kind: it becomes the pair.
        p.schedulerProperty().set(SchedulerKind.DPMPP_2M_KARRAS);
        assertEquals(SchedulerKind.DPMPP_2M, p.schedulerProperty().get());
        assertEquals(ScheduleType.KARRAS, p.scheduleProperty().get());
    }
}
