package dev.emergence.engine.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The process's peak resident memory, as the kernel counts it ({@code VmHWM} in /proc/self/status:
 * native sessions, JVM heap and all). Where there is no /proc (macOS, Windows) there is no figure.
 */
final class PeakMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private PeakMemory() {
    }

    static Optional<Long> residentMiB() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmHWM:")) {
                    String kib = line.substring(6).replace("kB", "").strip();
                    return Optional.of(Long.parseLong(kib) / 1024);
                }
            }
        } catch (IOException | NumberFormatException | SecurityException e) {
            // No figure rather than a wrong one.
        }
        return Optional.empty();
    }
}
