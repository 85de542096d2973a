package dev.emergence.app.params;

import dev.emergence.engine.pipeline.GenerationMode;
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
}
