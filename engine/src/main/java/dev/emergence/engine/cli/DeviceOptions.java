package dev.emergence.engine.cli;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.runtime.ExecutionOptions;
import picocli.CommandLine.Option;

/** Where the models run; shared by every command that loads a model. */
final class DeviceOptions {
    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE",
            description = "auto (CUDA when available, else CPU), cpu, cuda or cuda:N. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "CPU threads for ONNX Runtime, 0 to " + DeviceOptions.MAX_THREADS + " (0 = its default).")
    int threads;

    /** Far above any machine's cores; ONNX Runtime would try to start every thread asked for. */
    static final int MAX_THREADS = 256;

    ExecutionOptions toOptions() throws InvalidRequestException {
        if (threads < 0 || threads > MAX_THREADS) {
            throw new InvalidRequestException("threads: " + threads + " is out of range; expected 0 to " + MAX_THREADS);
        }
        try {
            return new ExecutionOptions(device, threads, 0);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("--device/--threads: " + e.getMessage());
        }
    }
}
