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
 * <p>Each session has its own arena, and an arena keeps what it grew to, so the sessions a generation
 * runs once (text encoders, VAE encoder and decoder) would each hold their largest run's buffers for
 * the rest of the process, stacked on the UNet's. By default they give their arena back after every run
 * (they still reuse its blocks within a run, which without an arena would each be a fresh allocation),
 * and the UNet's arena is shrunk after a generation's last step, so the VAE decode does not stack on
 * the UNet's buffers.
 *
 * @param arena                the CPU memory arena ({@code enable_cpu_mem_arena})
 * @param memoryPattern        memory pattern planning ({@code enable_mem_pattern})
 * @param prepacking           weight prepacking; false sets {@code session.disable_prepacking}
 * @param oneShotArena         the sessions a generation runs once (text encoders, VAE) keep their arena between runs
 * @param shrinkAfterDenoising shrink the UNet's arena after a generation's last step
 *                             ({@code memory.enable_memory_arena_shrinkage} on that run)
 * @param shrinkEveryRun       shrink this session's arena after every run (what {@link #forOneShot()} sets
 *                             when {@code oneShotArena} is off)
 */
public record CpuMemory(boolean arena, boolean memoryPattern, boolean prepacking, boolean oneShotArena,
                        boolean shrinkAfterDenoising, boolean shrinkEveryRun) {

    /** As given, for a session that keeps its arena between runs. */
    public CpuMemory(boolean arena, boolean memoryPattern, boolean prepacking, boolean oneShotArena, boolean shrinkAfterDenoising) {
        this(arena, memoryPattern, prepacking, oneShotArena, shrinkAfterDenoising, false);
    }

    /** The first three settings as given, the one-shot sessions and the UNet's last step as {@link #defaults()}. */
    public CpuMemory(boolean arena, boolean memoryPattern, boolean prepacking) {
        this(arena, memoryPattern, prepacking, false, true);
    }

    /**
     * The engine's choice for diffusion models, from the measurements in the README's "At SD 1.5 scale"
     * section: the memory pattern and prepacking off (9.5 GiB instead of 13.9 GiB, steps as fast); the
     * UNet's arena stays on, since without it the steps took about three times as long; the one-shot
     * sessions without an arena and the UNet's arena shrunk after the last step.
     */
    public static CpuMemory defaults() {
        return new CpuMemory(true, false, false, false, true);
    }

    /** ONNX Runtime's own defaults: everything on, every session with its arena, nothing shrunk. */
    public static CpuMemory ortDefaults() {
        return new CpuMemory(true, true, true, true, false);
    }

    /** The settings for a session a generation runs once: its arena given back after every run unless {@link #oneShotArena()}. */
    public CpuMemory forOneShot() {
        return new CpuMemory(arena, memoryPattern, prepacking, oneShotArena, false, arena && !oneShotArena);
    }

    public CpuMemory withArena(boolean on) {
        return new CpuMemory(on, memoryPattern, prepacking, oneShotArena, shrinkAfterDenoising, shrinkEveryRun);
    }

    public CpuMemory withMemoryPattern(boolean on) {
        return new CpuMemory(arena, on, prepacking, oneShotArena, shrinkAfterDenoising, shrinkEveryRun);
    }

    public CpuMemory withPrepacking(boolean on) {
        return new CpuMemory(arena, memoryPattern, on, oneShotArena, shrinkAfterDenoising, shrinkEveryRun);
    }

    public CpuMemory withOneShotArena(boolean on) {
        return new CpuMemory(arena, memoryPattern, prepacking, on, shrinkAfterDenoising, shrinkEveryRun);
    }

    public CpuMemory withShrinkAfterDenoising(boolean on) {
        return new CpuMemory(arena, memoryPattern, prepacking, oneShotArena, on, shrinkEveryRun);
    }
}
