package dev.emergence.engine.runtime;

import ai.onnxruntime.OrtException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class DeviceProbeTest {
    @TempDir
    Path temp;

    private static boolean nvidiaDriverPresent() {
        return Files.exists(Path.of("/proc/driver/nvidia/version"));
    }

    @Test
    void thisMachineWithoutAGpuRunsOnCpuAndFindsOutFast() throws OrtException {
        assumeFalse(nvidiaDriverPresent(), "an NVIDIA driver is installed here; this test is about machines without one");
        // load ONNX Runtime's native library first: that one-off cost is not the probe's
        ExecutionProviders.configure(ExecutionOptions.cpu()).options().close();

        long start = System.nanoTime();
        DeviceProbe.Result probe = DeviceProbe.forThisMachine().probe();
        double probeSeconds = (System.nanoTime() - start) / 1e9;
        start = System.nanoTime();
        ExecutionProviders.Configured configured = ExecutionProviders.configure(ExecutionOptions.defaults());
        configured.options().close();
        double configureSeconds = (System.nanoTime() - start) / 1e9;

        // asking ONNX Runtime for CUDA would take ~7 s here (it extracts its 350 MB CUDA provider first)
        assertTrue(probeSeconds < 0.5, "probe took " + probeSeconds + " s");
        assertTrue(configureSeconds < 0.5, "auto took " + configureSeconds + " s");
        assertFalse(probe.available());
        assertTrue(probe.reason().startsWith("CUDA unavailable: ") && probe.reason().endsWith("; running on CPU"), probe.reason());
        assertEquals(1, probe.reason().lines().count());
        assertFalse(configured.report().onCuda());
        assertEquals("cpu", configured.report().device());
        assertEquals(probe.reason(), configured.report().reason());
    }

    @Test
    void explicitCudaFallsBackToCpuWithTheReasonToo() throws OrtException {
        assumeFalse(nvidiaDriverPresent(), "an NVIDIA driver is installed here");
        ExecutionProviders.Configured configured = ExecutionProviders.configure(new ExecutionOptions("cuda:0", 1, 0));
        configured.options().close();
        assertEquals("cpu", configured.report().device());
        assertTrue(configured.report().reason().startsWith("CUDA unavailable: "), configured.report().reason());
    }

    @Test
    void cpuIsCpu() throws OrtException {
        ExecutionProviders.Configured configured = ExecutionProviders.configure(ExecutionOptions.cpu(2));
        configured.options().close();
        assertEquals(DeviceReport.cpu("CPU requested"), configured.report());
    }

    @Test
    void theSystemAnswerIsRemembered() {
        assertTrue(DeviceProbe.cuda() == DeviceProbe.cuda());
    }

    private Path libraries(String... names) throws IOException {
        Path dir = Files.createDirectories(temp.resolve("lib"));
        for (String name : names) Files.writeString(dir.resolve(name), "");
        return dir;
    }

    private Path driver() throws IOException {
        return Files.writeString(temp.resolve("version"), "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15\n");
    }

    @Test
    void driverAndEveryLibraryMeansAvailable() throws IOException {
        Path lib = libraries(DeviceProbe.LINUX_LIBRARIES.toArray(new String[0]));
        DeviceProbe probe = new DeviceProbe("Linux", "amd64", List.of(lib), Set.of(), List.of(driver()));
        assertTrue(probe.probe().available(), probe.probe().reason());
    }

    @Test
    void librariesMayComeFromTheLoaderCache() throws IOException {
        Set<String> cache = Set.copyOf(DeviceProbe.LINUX_LIBRARIES);
        DeviceProbe probe = new DeviceProbe("Linux", "amd64", List.of(), cache, List.of(temp.resolve("absent")));
        assertFalse(probe.probe().available());
        // libcuda.so.1 in the cache shows a driver too (containers often have no /proc/driver/nvidia)
        Set<String> withDriverLibrary = new HashSet<>(cache);
        withDriverLibrary.add("libcuda.so.1");
        DeviceProbe withDriver = new DeviceProbe("Linux", "amd64", List.of(), withDriverLibrary, List.of(temp.resolve("absent")));
        assertTrue(withDriver.probe().available(), withDriver.probe().reason());
    }

    @Test
    void theMissingLibrariesAreNamed() throws IOException {
        Path lib = libraries("libcudart.so.12", "libcublasLt.so.12", "libcublas.so.12", "libcurand.so.10",
                "libcufft.so.11", "libnvrtc.so.12");
        DeviceProbe probe = new DeviceProbe("Linux", "amd64", List.of(lib), Set.of("libcudnn.so.8"), List.of(driver()));
        assertEquals("CUDA unavailable: libcudnn.so.9 not found (ONNX Runtime 1.22 needs CUDA 12 and cuDNN 9; "
                + "found libcudnn.so.8); running on CPU", probe.probe().reason());
    }

    @Test
    void noDriverIsSaidFirst() throws IOException {
        Path lib = libraries(DeviceProbe.LINUX_LIBRARIES.toArray(new String[0]));
        DeviceProbe probe = new DeviceProbe("Linux", "amd64", List.of(lib), Set.of(), List.of(temp.resolve("absent")));
        assertEquals("CUDA unavailable: no NVIDIA driver found (libcuda.so.1); running on CPU", probe.probe().reason());
    }

    @Test
    void otherSystemsHaveNoCudaProvider() {
        DeviceProbe mac = new DeviceProbe("Mac OS X", "aarch64", List.of(), Set.of(), List.of());
        assertEquals("CUDA unavailable: this ONNX Runtime build has no CUDA provider for Mac OS X aarch64; running on CPU",
                mac.probe().reason());
        DeviceProbe arm = new DeviceProbe("Linux", "aarch64", List.of(), Set.of(), List.of());
        assertFalse(arm.probe().available());
    }

    @Test
    void windowsLooksForItsDlls() throws IOException {
        Path dir = libraries("cudart64_12.dll", "cublasLt64_12.dll", "cublas64_12.dll");
        Path nvcuda = Files.writeString(temp.resolve("nvcuda.dll"), "");
        DeviceProbe probe = new DeviceProbe("Windows 11", "amd64", List.of(dir), Set.of(), List.of(nvcuda));
        assertEquals("CUDA unavailable: cudnn64_9.dll not found (ONNX Runtime 1.22 needs CUDA 12 and cuDNN 9); running on CPU",
                probe.probe().reason());
    }

    @Test
    void ldconfigLinesGiveLibraryNames() {
        assertEquals(Set.of("libcudart.so.12"),
                DeviceProbe.parseLdconfigLine("\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.12"));
        assertEquals(Set.of(), DeviceProbe.parseLdconfigLine("1234 libs found in cache `/etc/ld.so.cache'"));
    }
}
