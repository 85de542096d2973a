package dev.emergence.engine.cli;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.runtime.CpuMemory;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.runtime.GraphCache;
import dev.emergence.engine.runtime.OneShotRelease;
import picocli.CommandLine.Option;

/** Where the models run; shared by every command that loads a model. */
final class DeviceOptions {
    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE",
            description = "auto (CUDA when available, else CPU), cpu, cuda or cuda:N. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "CPU threads for ONNX Runtime, 0 to " + DeviceOptions.MAX_THREADS + " (0 = one per physical core).")
    int threads;

    // Null when not given: the engine's choice (CpuMemory.defaults()) applies.
    @Option(names = "--cpu-arena", negatable = true,
            description = "ONNX Runtime's CPU memory arena for the UNet (default: on; off saves memory, but steps are much slower).")
    Boolean cpuArena;

    @Option(names = "--memory-pattern", negatable = true,
            description = "ONNX Runtime's memory pattern planning (default: off; it plans one buffer for all of a run's tensors).")
    Boolean memoryPattern;

    @Option(names = "--prepacking", negatable = true,
            description = "ONNX Runtime's weight prepacking for its kernels (default: off; it keeps a second copy of the weights).")
    Boolean prepacking;

    @Option(names = "--one-shot-arena", negatable = true,
            description = "The sessions a generation runs once (text encoders, VAE) keep their CPU arena between runs (default: off:"
                    + " they give it back after each run, so their largest buffers do not stay while the UNet runs).")
    Boolean oneShotArena;

    @Option(names = "--shrink-unet-arena", negatable = true,
            description = "Shrink the UNet's CPU arena after a generation's last step, before the VAE decode (default: on).")
    Boolean shrinkUnetArena;

    @Option(names = "--release-one-shot", negatable = true,
            description = "Close the sessions a generation runs once (text encoders, VAE) while the UNet runs and open them"
                    + " again when next needed (default: for a UNet over 1 GiB on the CPU; they then take no memory beside the"
                    + " UNet's, at the cost of opening them each generation).")
    Boolean releaseOneShot;

    @Option(names = "--graph-cache", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Keep ONNX Runtime's optimised graphs in the user's cache folder, so the next load skips"
                    + " optimising them (default: on; --no-graph-cache loads every model from its own files only).")
    boolean graphCache = true;

    /** Far above any machine's cores; ONNX Runtime would try to start every thread asked for. */
    static final int MAX_THREADS = 256;

    ExecutionOptions toOptions() throws InvalidRequestException {
        if (threads < 0 || threads > MAX_THREADS) {
            throw new InvalidRequestException("threads: " + threads + " is out of range; expected 0 to " + MAX_THREADS);
        }
        try {
            return new ExecutionOptions(device, threads, 0, cpuMemory(), graphCache ? GraphCache.userDefault() : GraphCache.off(),
                    releaseOneShot == null ? OneShotRelease.AUTO : releaseOneShot ? OneShotRelease.RELEASE : OneShotRelease.KEEP);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("--device/--threads: " + e.getMessage());
        }
    }

    CpuMemory cpuMemory() {
        CpuMemory memory = CpuMemory.defaults();
        if (cpuArena != null) memory = memory.withArena(cpuArena);
        if (memoryPattern != null) memory = memory.withMemoryPattern(memoryPattern);
        if (prepacking != null) memory = memory.withPrepacking(prepacking);
        if (oneShotArena != null) memory = memory.withOneShotArena(oneShotArena);
        if (shrinkUnetArena != null) memory = memory.withShrinkAfterDenoising(shrinkUnetArena);
        return memory;
    }
}
