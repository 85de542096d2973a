package dev.emergence.engine.library;

import java.util.Locale;

/**
 * Where a download stands, for a progress bar.
 *
 * @param file           the file being transferred (its path in the repository)
 * @param fileIndex      1-based index of that file among those to download
 * @param fileCount      how many files the download has
 * @param fileBytesDone  bytes of that file on disk so far
 * @param fileBytes      that file's size
 * @param bytesDone      bytes of the whole download on disk so far, including what earlier, interrupted runs left
 * @param bytesTotal     the whole download's size
 * @param bytesPerSecond recent transfer speed (the last few seconds), 0 until measured
 * @param etaSeconds     estimated seconds left at that speed, or -1 while unknown
 */
public record DownloadProgress(String file, int fileIndex, int fileCount, long fileBytesDone, long fileBytes,
                               long bytesDone, long bytesTotal, double bytesPerSecond, double etaSeconds) {

    /** Fraction of the whole download done, in [0, 1]. */
    public double fraction() {
        return bytesTotal <= 0 ? 1 : Math.min(1, (double) bytesDone / bytesTotal);
    }

    /** "42% 1.80 GiB of 4.27 GiB, 23.5 MiB/s, 1m47s left (unet/weights.pb, file 5 of 19)". */
    public String line() {
        String speed = bytesPerSecond > 0 ? Bytes.human(Math.round(bytesPerSecond)) + "/s" : "-- /s";
        String eta = etaSeconds >= 0 ? duration(etaSeconds) + " left" : "time left unknown";
        return String.format(Locale.ROOT, "%3d%% %s of %s, %s, %s (%s, file %d of %d)", (int) Math.floor(fraction() * 100),
                Bytes.human(bytesDone), Bytes.human(bytesTotal), speed, eta, file, fileIndex, fileCount);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) return s + "s";
        if (s < 3600) return (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
        return (s / 3600) + "h" + String.format(Locale.ROOT, "%02d", (s % 3600) / 60) + "m";
    }
}
