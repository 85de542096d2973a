package dev.emergence.engine.runtime;

import org.junit.jupiter.api.Test;

import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PhysicalCoresTest {

    /** One /proc/cpuinfo entry, as x86 Linux writes it. */
    private static String processor(int n, int physicalId, int coreId) {
        return "processor\t: " + n + "\nvendor_id\t: GenuineIntel\nphysical id\t: " + physicalId
                + "\nsiblings\t: 4\ncore id\t\t: " + coreId + "\ncpu cores\t: 2\nflags\t\t: fpu sse avx2\n\n";
    }

    @Test
    void hyperThreadsOfOneCoreCountOnce() {
        String text = processor(0, 0, 0) + processor(1, 0, 1) + processor(2, 0, 0) + processor(3, 0, 1);
        assertEquals(OptionalInt.of(2), PhysicalCores.parse(text));
    }

    @Test
    void equalCoreIdsOnTwoSocketsAreTwoCores() {
        String text = processor(0, 0, 0) + processor(1, 0, 1) + processor(2, 1, 0) + processor(3, 1, 1);
        assertEquals(OptionalInt.of(4), PhysicalCores.parse(text));
    }

    @Test
    void aLastEntryWithoutTrailingBlankLineCounts() {
        String text = processor(0, 0, 0) + processor(1, 0, 1).strip();
        assertEquals(OptionalInt.of(2), PhysicalCores.parse(text));
    }

    @Test
    void entriesWithoutCoreIdsGiveNoFigure() {
        // some ARM kernels: "processor", "BogoMIPS", "Features", no core id
        String text = "processor\t: 0\nBogoMIPS\t: 50.00\n\nprocessor\t: 1\nBogoMIPS\t: 50.00\n\n";
        assertEquals(OptionalInt.empty(), PhysicalCores.parse(text));
        assertEquals(OptionalInt.empty(), PhysicalCores.parse(""));
    }

    @Test
    void theCountIsAtLeastOneAndAtMostTheJvmsProcessors() {
        int n = PhysicalCores.count();
        assertTrue(n >= 1 && n <= Runtime.getRuntime().availableProcessors(), "count " + n);
    }
}
