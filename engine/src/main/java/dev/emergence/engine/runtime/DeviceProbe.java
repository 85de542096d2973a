package dev.emergence.engine.runtime;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Tells, in milliseconds, whether ONNX Runtime's CUDA provider can load on this machine, without
 * asking ONNX Runtime: the GPU jar extracts a 350 MB provider library the first time CUDA is
 * requested (about 7 s), which a CPU-only machine should never pay. So it looks for the NVIDIA
 * driver and for the CUDA 12 / cuDNN 9 libraries the provider links against, where the dynamic
 * loader would find them. The answer for this process is computed once and remembered.
 */
public final class DeviceProbe {

    /** The outcome; {@code reason} is one line for users. */
    public record Result(boolean available, String reason) {
    }

    /** What ONNX Runtime 1.22's libonnxruntime_providers_cuda.so links against (readelf -d), besides libc. */
    static final List<String> LINUX_LIBRARIES = List.of(
            "libcudart.so.12", "libcublasLt.so.12", "libcublas.so.12", "libcurand.so.10",
            "libcufft.so.11", "libnvrtc.so.12", "libcudnn.so.9");
    static final List<String> WINDOWS_LIBRARIES = List.of(
            "cudart64_12.dll", "cublasLt64_12.dll", "cublas64_12.dll", "cudnn64_9.dll");
    private static final List<String> LINUX_SYSTEM_DIRS = List.of(
            "/lib", "/usr/lib", "/lib64", "/usr/lib64", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
            "/usr/lib/wsl/lib");

    private static volatile Result systemResult;

    private final String osName;
    private final String arch;
    private final List<Path> libraryDirs;
    private final Set<String> loaderCache;
    private final List<Path> driverMarkers;

    /**
     * @param osName        as in {@code os.name}
     * @param arch          as in {@code os.arch}
     * @param libraryDirs   folders the dynamic loader searches (LD_LIBRARY_PATH and the system folders; PATH on Windows)
     * @param loaderCache   library file names known to the loader's cache ({@code ldconfig -p})
     * @param driverMarkers files whose presence shows an installed NVIDIA driver
     */
    DeviceProbe(String osName, String arch, List<Path> libraryDirs, Set<String> loaderCache, List<Path> driverMarkers) {
        this.osName = osName;
        this.arch = arch;
        this.libraryDirs = List.copyOf(libraryDirs);
        this.loaderCache = Set.copyOf(loaderCache);
        this.driverMarkers = List.copyOf(driverMarkers);
    }

    /** Whether CUDA can be used by this process; probed once, then remembered. */
    public static Result cuda() {
        Result r = systemResult;
        if (r == null) {
            synchronized (DeviceProbe.class) {
                r = systemResult;
                if (r == null) {
                    r = forThisMachine().probe();
                    systemResult = r;
                }
            }
        }
        return r;
    }

    static DeviceProbe forThisMachine() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        List<Path> dirs = new ArrayList<>();
        List<Path> markers = new ArrayList<>();
        Set<String> cache = Set.of();
        if (isWindows(os)) {
            addPathList(dirs, System.getenv("PATH"));
            String systemRoot = System.getenv().getOrDefault("SystemRoot", "C:\\Windows");
            dirs.add(Path.of(systemRoot, "System32"));
            markers.add(Path.of(systemRoot, "System32", "nvcuda.dll"));
        } else {
            addPathList(dirs, System.getenv("LD_LIBRARY_PATH"));
            for (String d : LINUX_SYSTEM_DIRS) dirs.add(Path.of(d));
            markers.add(Path.of("/proc/driver/nvidia/version"));
            if (isLinux(os)) cache = ldconfigCache();
        }
        return new DeviceProbe(os, arch, dirs, cache, markers);
    }

    Result probe() {
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        boolean windows = isWindows(osName);
        if (!(isLinux(osName) || windows) || !x64) {
            return unavailable("this ONNX Runtime build has no CUDA provider for " + osName + " " + arch);
        }
        boolean driver = driverMarkers.stream().anyMatch(Files::exists)
                || (!windows && found("libcuda.so.1"));
        if (!driver) {
            return unavailable("no NVIDIA driver found (" + (windows ? "nvcuda.dll" : "libcuda.so.1") + ")");
        }
        List<String> missing = new ArrayList<>();
        for (String lib : windows ? WINDOWS_LIBRARIES : LINUX_LIBRARIES) {
            if (!found(lib)) missing.add(lib);
        }
        if (!missing.isEmpty()) {
            String others = otherVersions(missing);
            return unavailable(String.join(", ", missing) + " not found (ONNX Runtime 1.22 needs CUDA 12 and cuDNN 9"
                    + (others.isEmpty() ? "" : "; found " + others) + ")");
        }
        return new Result(true, "NVIDIA driver and CUDA 12 / cuDNN 9 libraries found");
    }

    private boolean found(String library) {
        if (loaderCache.contains(library)) return true;
        for (Path dir : libraryDirs) {
            if (Files.exists(dir.resolve(library))) return true;
        }
        return false;
    }

    /** Other major versions of the missing libraries in the loader cache, e.g. "libcudart.so.13": a common mix-up. */
    private String otherVersions(List<String> missing) {
        Set<String> others = new TreeSet<>();
        for (String lib : missing) {
            int dot = lib.indexOf(".so.");
            if (dot < 0) continue;
            String stem = lib.substring(0, dot + 4);
            for (String cached : loaderCache) {
                if (cached.startsWith(stem) && !cached.equals(lib) && cached.length() > stem.length()) others.add(cached);
            }
        }
        return String.join(", ", others);
    }

    private static Result unavailable(String why) {
        return new Result(false, "CUDA unavailable: " + why + "; running on CPU");
    }

    private static boolean isLinux(String os) {
        return os.toLowerCase(Locale.ROOT).startsWith("linux");
    }

    private static boolean isWindows(String os) {
        return os.toLowerCase(Locale.ROOT).startsWith("windows");
    }

    private static void addPathList(List<Path> dirs, String list) {
        if (list == null || list.isBlank()) return;
        for (String part : list.split(java.io.File.pathSeparator)) {
            if (part.isBlank()) continue;
            try {
                dirs.add(Path.of(part));
            } catch (RuntimeException ignored) {
                // a malformed entry cannot hold a library either
            }
        }
    }

    /** File names in the dynamic loader's cache; empty when ldconfig is missing or slow. */
    static Set<String> ldconfigCache() {
        for (String exe : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig")) {
            if (!Files.isExecutable(Path.of(exe))) continue;
            try {
                Process p = new ProcessBuilder(exe, "-p").redirectErrorStream(true).start();
                Set<String> names = new LinkedHashSet<>();
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        names.addAll(parseLdconfigLine(line));
                    }
                }
                if (!p.waitFor(2, TimeUnit.SECONDS)) p.destroyForcibly();
                return names;
            } catch (Exception e) {
                return Set.of();
            }
        }
        return Set.of();
    }

    /** "\tlibcudart.so.12 (libc6,x86-64) => /usr/lib/libcudart.so.12" gives libcudart.so.12. */
    static Set<String> parseLdconfigLine(String line) {
        String t = line.strip();
        int space = t.indexOf(' ');
        if (!t.contains("=>") || space <= 0) return Set.of();
        return Set.of(t.substring(0, space));
    }
}
