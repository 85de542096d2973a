package dev.emergence.engine.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;

/**
 * Builds ONNX Runtime session options for an {@link ExecutionOptions}: the CPU provider by default,
 * CUDA when asked for (or, with "auto", when {@link DeviceProbe} finds it), falling back to CPU
 * with a one-line reason. A CUDA failure is remembered for the process so later sessions go
 * straight to CPU instead of paying for the failed attempt again.
 */
public final class ExecutionProviders {

    /** Session options ready for {@code createSession}, and the device they target. The caller closes the options. */
    public record Configured(OrtSession.SessionOptions options, DeviceReport report) {
    }

    private static volatile String cudaFailure;

    private ExecutionProviders() {
    }

    /** New session options for {@code exec}; never fails over CUDA, only over ONNX Runtime itself. */
    public static Configured configure(ExecutionOptions exec) throws OrtException {
        if (!exec.wantsCuda()) {
            return new Configured(cpuOptions(exec), DeviceReport.cpu("CPU requested"));
        }
        String unavailable = cudaFailure;
        if (unavailable == null) {
            DeviceProbe.Result probe = DeviceProbe.cuda();
            if (!probe.available()) unavailable = probe.reason();
        }
        if (unavailable != null) {
            return new Configured(cpuOptions(exec), DeviceReport.cpu(unavailable));
        }
        OrtSession.SessionOptions options = cpuOptions(exec);
        try (OrtCUDAProviderOptions cuda = cudaOptions(exec)) {
            options.addCUDA(cuda);
            // CPU stays registered after CUDA and takes the few nodes CUDA has no kernel for
            return new Configured(options, DeviceReport.cuda(exec.cudaDeviceId(),
                    exec.cudaRequested() ? "CUDA requested" : "CUDA available"));
        } catch (OrtException | RuntimeException e) {
            options.close();
            String reason = rememberCudaFailure(e);
            return new Configured(cpuOptions(exec), DeviceReport.cpu(reason));
        }
    }

    /** Records that CUDA could not be used (e.g. session creation failed on the device) and returns the reason shown. */
    public static String rememberCudaFailure(Throwable cause) {
        String reason = "CUDA unavailable: " + OrtMessages.oneLine(cause.getMessage()) + "; running on CPU";
        cudaFailure = reason;
        return reason;
    }

    /** ONNX Runtime's session config key that keeps weights as stored instead of a packed copy per kernel. */
    static final String DISABLE_PREPACKING = "session.disable_prepacking";

    /** The CPU-only options for {@code exec} (thread count, CPU memory settings, quiet logging). */
    public static OrtSession.SessionOptions cpuOptions(ExecutionOptions exec) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            // Failures reach callers as exceptions, so ONNX Runtime's own log lines would only repeat
            // them on stderr; its warnings (e.g. "can't constant fold" in fp16 graphs on CPU) are noise to users.
            options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            options.setIntraOpNumThreads(intraOpThreads(exec));
            CpuMemory memory = exec.cpuMemory();
            options.setCPUArenaAllocator(memory.arena());
            options.setMemoryPatternOptimization(memory.memoryPattern());
            if (!memory.prepacking()) options.addConfigEntry(DISABLE_PREPACKING, "1");
            return options;
        } catch (OrtException e) {
            options.close();
            throw e;
        }
    }

    /** The threads asked for, or one per physical core when 0. */
    static int intraOpThreads(ExecutionOptions exec) {
        return exec.cpuThreads() > 0 ? exec.cpuThreads() : PhysicalCores.count();
    }

    static OrtCUDAProviderOptions cudaOptions(ExecutionOptions exec) throws OrtException {
        OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(exec.cudaDeviceId());
        // EXHAUSTIVE (the default) benchmarks every convolution on first use: tens of seconds for a UNet.
        cuda.add("cudnn_conv_algo_search", "HEURISTIC");
        // Grow the arena by what is asked for, not by powers of two, so large models fit beside the app.
        cuda.add("arena_extend_strategy", "kSameAsRequested");
        if (exec.cudaMemoryLimitBytes() > 0) cuda.add("gpu_mem_limit", Long.toString(exec.cudaMemoryLimitBytes()));
        return cuda;
    }
}
