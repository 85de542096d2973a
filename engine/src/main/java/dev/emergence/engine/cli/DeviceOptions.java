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
            description = "CPU threads for ONNX Runtime (0 = its default).")
    int threads;

    ExecutionOptions toOptions() throws InvalidRequestException {
        try {
            return new ExecutionOptions(device, threads, 0);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("--device/--threads: " + e.getMessage());
        }
    }
}
