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
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private PeakMemory() {
    }

    static Optional<Long> residentMiB() {
        return status("VmHWM:");
    }

    /** The process's resident memory now ({@code VmRSS}). */
    static Optional<Long> currentMiB() {
        return status("VmRSS:");
    }

    /**
     * Starts the peak over from the memory resident now (writing 5 to /proc/self/clear_refs, Linux 4.0
     * and later), so that {@link #residentMiB} then gives the peak of what follows; false where it cannot.
     */
    static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static Optional<Long> status(String key) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(key)) {
                    String kib = line.substring(key.length()).replace("kB", "").strip();
                    return Optional.of(Long.parseLong(kib) / 1024);
                }
            }
        } catch (IOException | NumberFormatException | SecurityException e) {
            // No figure rather than a wrong one.
        }
        return Optional.empty();
    }

    /**
     * Sets the peak back to the memory resident now (Linux's {@code echo 5 > /proc/self/clear_refs}), so a
     * later {@link #residentMiB()} is the peak of what came after.
     *
     * @return false where the kernel does not allow it; the peak then still counts from the start
     */
    static boolean reset() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            return false;
        }
    }
}
