package dev.emergence.engine.model;

import dev.emergence.engine.runtime.ExecutionOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Olive-optimised Turbo exports (published for ONNX Runtime's CUDA provider) use fused
 * {@code com.microsoft} operators such as GroupNorm that the CPU provider lacks; on the CPU such a
 * model is refused with one line that says why and what to use instead.
 */
class CudaOnlyOperatorTest {
    @Test
    void aFusedCudaOperatorIsRefusedOnTheCpuWithOneLineNamingIt(@TempDir Path dir) throws Exception {
        Path file = NonFiniteGraphs.cudaOnlyOperator(dir.resolve("turbo/unet/model.onnx"));
        ModelException e = assertThrows(ModelException.class,
                () -> OnnxModel.open(file, "turbo/unet/model.onnx", ExecutionOptions.cpu(), dir.resolve("turbo")));
        assertEquals("turbo/unet/model.onnx: uses the operator GroupNorm, which ONNX Runtime runs only on a CUDA GPU"
                + " (an Olive-optimised export); on the CPU, use an unoptimised export (optimum-cli export onnx)", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
