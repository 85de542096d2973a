package dev.emergence.engine.runtime;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExecutionOptionsTest {

    @Test
    void devicesParse() {
        assertEquals("auto", new ExecutionOptions(null, 0, 0).device());
        assertEquals("cuda:1", new ExecutionOptions(" CUDA:1 ", 0, 0).device());
        assertEquals(1, new ExecutionOptions("cuda:1", 0, 0).cudaDeviceId());
        assertEquals(0, new ExecutionOptions("cuda", 0, 0).cudaDeviceId());
        assertEquals(0, ExecutionOptions.defaults().cudaDeviceId());
        assertTrue(ExecutionOptions.defaults().wantsCuda());
        assertFalse(ExecutionOptions.defaults().cudaRequested());
        assertTrue(new ExecutionOptions("cuda:0", 0, 0).cudaRequested());
        assertFalse(ExecutionOptions.cpu().wantsCuda());
    }

    @Test
    void nonsenseIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ExecutionOptions("gpu", 0, 0));
        assertEquals("unknown device 'gpu': expected auto, cpu, cuda or cuda:N", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ExecutionOptions("cuda:", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ExecutionOptions("cuda:-1", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ExecutionOptions("cpu", -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ExecutionOptions("cpu", 0, -5));
    }

    @Test
    void withersKeepTheOtherFields() {
        ExecutionOptions o = ExecutionOptions.defaults().withCpuThreads(3).withCudaMemoryLimit(1L << 30).withDevice("cuda:2");
        assertEquals(new ExecutionOptions("cuda:2", 3, 1L << 30), o);
        CpuMemory memory = new CpuMemory(true, false, false);
        assertEquals(new ExecutionOptions("cuda:2", 3, 1L << 30, memory), o.withCpuMemory(memory));
        assertEquals(memory, o.withCpuMemory(memory).withCpuThreads(4).withDevice("cpu").cpuMemory());
    }

    @Test
    void noCpuMemorySettingsMeansTheEnginesDefaults() {
        assertEquals(CpuMemory.defaults(), new ExecutionOptions("cpu", 0, 0, null).cpuMemory());
        assertEquals(CpuMemory.defaults(), new ExecutionOptions("cpu", 0, 0).cpuMemory());
    }
}
