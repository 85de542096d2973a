package dev.emergence.engine.runtime;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where and how models run.
 *
 * @param device               "auto" (CUDA when this machine can run it, else CPU), "cpu", "cuda" (device 0)
 *                             or "cuda:N"; case and surrounding spaces are ignored, null means "auto"
 * @param cpuThreads           intra-op threads for the CPU provider; 0 means one per physical core ({@link PhysicalCores})
 * @param cudaMemoryLimitBytes the CUDA arena's limit ({@code gpu_mem_limit}); 0 means no limit
 * @param cpuMemory            the CPU provider's arena, memory pattern and prepacking; null means {@link CpuMemory#defaults()}
 * @param graphCache           where optimised graphs are cached; null means {@link GraphCache#userDefault()}
 * @param oneShotRelease       whether the sessions a generation runs once are closed while the UNet runs;
 *                             null means {@link OneShotRelease#AUTO}
 */
public record ExecutionOptions(String device, int cpuThreads, long cudaMemoryLimitBytes, CpuMemory cpuMemory,
                               GraphCache graphCache, OneShotRelease oneShotRelease) {

    private static final Pattern DEVICE = Pattern.compile("auto|cpu|cuda(?::(\\d{1,3}))?");

    public ExecutionOptions {
        device = device == null ? "auto" : device.trim().toLowerCase(Locale.ROOT);
        if (!DEVICE.matcher(device).matches()) {
            throw new IllegalArgumentException("unknown device '" + device + "': expected auto, cpu, cuda or cuda:N");
        }
        if (cpuThreads < 0) throw new IllegalArgumentException("cpuThreads must be 0 (default) or more, got " + cpuThreads);
        if (cudaMemoryLimitBytes < 0) {
            throw new IllegalArgumentException("cudaMemoryLimitBytes must be 0 (no limit) or more, got " + cudaMemoryLimitBytes);
        }
        if (cpuMemory == null) cpuMemory = CpuMemory.defaults();
        if (graphCache == null) graphCache = GraphCache.userDefault();
        if (oneShotRelease == null) oneShotRelease = OneShotRelease.AUTO;
    }

    /** With the one-shot sessions released as {@link OneShotRelease#AUTO} decides. */
    public ExecutionOptions(String device, int cpuThreads, long cudaMemoryLimitBytes, CpuMemory cpuMemory, GraphCache graphCache) {
        this(device, cpuThreads, cudaMemoryLimitBytes, cpuMemory, graphCache, null);
    }

    /** With the user's graph cache ({@link GraphCache#userDefault()}). */
    public ExecutionOptions(String device, int cpuThreads, long cudaMemoryLimitBytes, CpuMemory cpuMemory) {
        this(device, cpuThreads, cudaMemoryLimitBytes, cpuMemory, null);
    }

    /** With the engine's CPU memory settings for diffusion ({@link CpuMemory#defaults()}). */
    public ExecutionOptions(String device, int cpuThreads, long cudaMemoryLimitBytes) {
        this(device, cpuThreads, cudaMemoryLimitBytes, CpuMemory.defaults());
    }

    /** CUDA when available, one thread per physical core, no memory limit. */
    public static ExecutionOptions defaults() {
        return new ExecutionOptions("auto", 0, 0);
    }

    public static ExecutionOptions cpu() {
        return new ExecutionOptions("cpu", 0, 0);
    }

    public static ExecutionOptions cpu(int threads) {
        return new ExecutionOptions("cpu", threads, 0);
    }

    public ExecutionOptions withDevice(String newDevice) {
        return new ExecutionOptions(newDevice, cpuThreads, cudaMemoryLimitBytes, cpuMemory, graphCache, oneShotRelease);
    }

    public ExecutionOptions withCpuThreads(int threads) {
        return new ExecutionOptions(device, threads, cudaMemoryLimitBytes, cpuMemory, graphCache, oneShotRelease);
    }

    public ExecutionOptions withCudaMemoryLimit(long bytes) {
        return new ExecutionOptions(device, cpuThreads, bytes, cpuMemory, graphCache, oneShotRelease);
    }

    public ExecutionOptions withCpuMemory(CpuMemory memory) {
        return new ExecutionOptions(device, cpuThreads, cudaMemoryLimitBytes, memory, graphCache, oneShotRelease);
    }

    public ExecutionOptions withGraphCache(GraphCache cache) {
        return new ExecutionOptions(device, cpuThreads, cudaMemoryLimitBytes, cpuMemory, cache, oneShotRelease);
    }

    public ExecutionOptions withOneShotRelease(OneShotRelease release) {
        return new ExecutionOptions(device, cpuThreads, cudaMemoryLimitBytes, cpuMemory, graphCache, release);
    }

    /** These options for a session a generation runs once (text encoders, VAE): see {@link CpuMemory#forOneShot()}. */
    public ExecutionOptions forOneShot() {
        return withCpuMemory(cpuMemory.forOneShot());
    }

    /** True for "auto", "cuda" and "cuda:N". */
    public boolean wantsCuda() {
        return !device.equals("cpu");
    }

    /** True when CUDA was asked for by name rather than by "auto". */
    public boolean cudaRequested() {
        return device.startsWith("cuda");
    }

    /** The CUDA device index: N for "cuda:N", else 0. */
    public int cudaDeviceId() {
        Matcher m = DEVICE.matcher(device);
        m.matches();
        return m.group(1) == null ? 0 : Integer.parseInt(m.group(1));
    }
}
