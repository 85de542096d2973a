package dev.emergence.engine.runtime;

/**
 * How ONNX Runtime's CPU provider holds memory for a session.
 *
 * <p>ONNX Runtime's defaults suit small models served many times: an arena that keeps every block it
 * ever grew to, a memory pattern that plans one buffer for a whole run's intermediates, and weights
 * prepacked for its GEMM kernels beside the originals. For a diffusion UNet these multiply the resident
 * size (measured in the README: at SD 1.5 scale the bare UNet session peaks several GiB higher with them
 * on), while the run time is dominated by the convolutions either way.
 *
 * @param arena         the CPU memory arena ({@code enable_cpu_mem_arena})
 * @param memoryPattern memory pattern planning ({@code enable_mem_pattern})
 * @param prepacking    weight prepacking; false sets {@code session.disable_prepacking}
 */
public record CpuMemory(boolean arena, boolean memoryPattern, boolean prepacking) {

    /**
     * The engine's choice for diffusion models, from the measurements in the README's "Measured"
     * section: the memory pattern and prepacking off (9.5 GiB instead of 13.9 GiB at SD 1.5 scale,
     * steps as fast); the arena stays on, since without it the steps of that single run took about
     * three times as long for 1.6 GiB less.
     */
    public static CpuMemory defaults() {
        return new CpuMemory(true, false, false);
    }

    /** ONNX Runtime's own defaults: everything on. */
    public static CpuMemory ortDefaults() {
        return new CpuMemory(true, true, true);
    }

    public CpuMemory withArena(boolean on) {
        return new CpuMemory(on, memoryPattern, prepacking);
    }

    public CpuMemory withMemoryPattern(boolean on) {
        return new CpuMemory(arena, on, prepacking);
    }

    public CpuMemory withPrepacking(boolean on) {
        return new CpuMemory(arena, memoryPattern, on);
    }
}
