package dev.emergence.engine.runtime;

import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CPU memory settings reach ONNX Runtime's session options. */
class CpuSessionOptionsTest {

    @Test
    void prepackingOffSetsTheSessionConfigEntry() throws Exception {
        ExecutionOptions exec = ExecutionOptions.cpu().withCpuMemory(CpuMemory.defaults().withPrepacking(false));
        try (OrtSession.SessionOptions options = ExecutionProviders.cpuOptions(exec)) {
            assertEquals("1", options.getConfigEntries().get(ExecutionProviders.DISABLE_PREPACKING));
        }
    }

    @Test
    void prepackingOnLeavesOnnxRuntimesDefault() throws Exception {
        ExecutionOptions exec = ExecutionOptions.cpu().withCpuMemory(CpuMemory.ortDefaults());
        try (OrtSession.SessionOptions options = ExecutionProviders.cpuOptions(exec)) {
            assertNull(options.getConfigEntries().get(ExecutionProviders.DISABLE_PREPACKING));
        }
    }

    @Test
    void everyCombinationIsAccepted() throws Exception {
        for (int bits = 0; bits < 8; bits++) {
            CpuMemory memory = new CpuMemory((bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0);
            try (OrtSession.SessionOptions ignored = ExecutionProviders.cpuOptions(ExecutionOptions.cpu().withCpuMemory(memory))) {
                // ONNX Runtime refuses nothing of these; the test is that no call throws
            }
        }
    }

    @Test
    void zeroThreadsMeansOnePerPhysicalCore() {
        assertEquals(PhysicalCores.count(), ExecutionProviders.intraOpThreads(ExecutionOptions.cpu()));
        assertEquals(3, ExecutionProviders.intraOpThreads(ExecutionOptions.cpu(3)));
    }

    @Test
    void theEnginesDefaultsAreForDiffusion() {
        // chosen by the README's measurements at SD 1.5 scale
        assertEquals(CpuMemory.defaults(), ExecutionOptions.cpu().cpuMemory());
        assertTrue(CpuMemory.defaults().arena());
        assertFalse(CpuMemory.defaults().prepacking());
        assertFalse(CpuMemory.defaults().memoryPattern());
        assertFalse(CpuMemory.defaults().oneShotArena());
        assertTrue(CpuMemory.defaults().shrinkAfterDenoising());
    }

    @Test
    void oneShotSessionsGiveTheirArenaBackAfterEachRunUnlessAskedToKeepIt() {
        CpuMemory oneShot = ExecutionOptions.cpu().forOneShot().cpuMemory();
        assertTrue(oneShot.arena());
        assertTrue(oneShot.shrinkEveryRun());
        assertFalse(ExecutionOptions.cpu().cpuMemory().shrinkEveryRun(), "the UNet keeps its arena between steps");
        assertFalse(ExecutionOptions.cpu().withCpuMemory(CpuMemory.defaults().withOneShotArena(true)).forOneShot().cpuMemory().shrinkEveryRun());
        // without any arena there is nothing to give back
        assertFalse(CpuMemory.defaults().withArena(false).forOneShot().shrinkEveryRun());
        // the rest of the settings carry over
        CpuMemory mine = new CpuMemory(true, true, true, false, true);
        assertEquals(new CpuMemory(true, true, true, false, false, true), mine.forOneShot());
        assertFalse(CpuMemory.ortDefaults().forOneShot().shrinkEveryRun());
    }
}
