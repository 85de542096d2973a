package dev.emergence.engine.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The number of physical CPU cores, the default for ONNX Runtime's intra-op threads: a second
 * hyper-thread on a core shares its vector units, so for convolution-bound UNets it adds contention,
 * not speed.
 */
public final class PhysicalCores {
    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    private PhysicalCores() {
    }

    /**
     * Physical cores from /proc/cpuinfo, at most the processors this JVM may use (a container's CPU
     * limit is below the host's core count); {@code availableProcessors()} where there is no /proc.
     */
    public static int count() {
        int available = Runtime.getRuntime().availableProcessors();
        OptionalInt physical = OptionalInt.empty();
        try {
            if (Files.isReadable(CPUINFO)) physical = parse(Files.readString(CPUINFO));
        } catch (IOException | RuntimeException e) {
            // no figure: fall back to the processors the JVM sees
        }
        return physical.isPresent() ? Math.max(1, Math.min(physical.getAsInt(), available)) : available;
    }

    /**
     * The distinct (physical id, core id) pairs of a /proc/cpuinfo text; empty when no processor entry
     * names a core id (some ARM kernels), since counting entries would count hyper-threads.
     */
    static OptionalInt parse(String cpuinfo) {
        Set<String> cores = new HashSet<>();
        String physicalId = "0";
        String coreId = null;
        for (String line : (cpuinfo + "\n\n").split("\n", -1)) {
            int colon = line.indexOf(':');
            if (line.isBlank()) {
                // a blank line ends one processor's entry
                if (coreId != null) cores.add(physicalId + "/" + coreId);
                physicalId = "0";
                coreId = null;
            } else if (colon > 0) {
                String key = line.substring(0, colon).strip();
                String value = line.substring(colon + 1).strip();
                if (key.equals("physical id")) physicalId = value;
                else if (key.equals("core id")) coreId = value;
            }
        }
        return cores.isEmpty() ? OptionalInt.empty() : OptionalInt.of(cores.size());
    }
}
