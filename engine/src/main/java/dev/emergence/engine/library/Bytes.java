package dev.emergence.engine.library;

import java.util.Locale;

/** Byte counts for people: "512 B", "3.4 MiB", "4.27 GiB". */
public final class Bytes {
    private Bytes() {
    }

    public static String human(long bytes) {
        if (bytes < 0) return "unknown";
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        // Three significant digits: enough to compare a download with the free space.
        return String.format(Locale.ROOT, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
    }
}
