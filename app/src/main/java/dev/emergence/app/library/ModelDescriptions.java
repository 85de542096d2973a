package dev.emergence.app.library;

import dev.emergence.engine.library.Bytes;
import dev.emergence.engine.library.ModelEntry;
import dev.emergence.engine.model.ModelInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The words the studio uses for a model's summary and for download sizes and times (pure formatting, no files read). */
public final class ModelDescriptions {
    private ModelDescriptions() {
    }

    /**
     * "SD 1.x · fp16 · 2.10 GiB · 512 px · txt2img, img2img, inpainting (9-channel)", or "unusable: why":
     * what it generates in the engine's words ({@link ModelInfo#capabilities()}), as {@code models list}
     * and {@code info} print it.
     */
    public static String summary(ModelEntry e) {
        if (!e.usable()) return "unusable: " + e.problem();
        ModelInfo i = e.info();
        List<String> parts = new ArrayList<>(List.of(i.family(), e.precision(), Bytes.human(i.sizeOnDiskBytes()),
                i.nativeSampleSize() + " px", i.capabilities()));
        if (i.hasPreviewDecoder()) parts.add("preview decoder");
        return String.join(" · ", parts);
    }

    /**
     * "SD 1.x · inpainting · fp16" for a 9-channel inpainting model, "SD 1.x · fp16" for any other: what
     * the picker shows beside the name (the Models window says what each one generates).
     */
    public static String kind(ModelEntry e) {
        if (!e.usable()) return "unusable";
        ModelInfo i = e.info();
        return i.family() + (i.inpainting() ? " · inpainting" : "") + " · " + e.precision();
    }

    /** "where it is" line: embedded, a copy in the library, or linked from a folder elsewhere. */
    public static String source(ModelEntry e) {
        return switch (e.source()) {
            case EMBEDDED -> "embedded in the studio";
            case COPIED -> "in the library";
            case LINKED -> "linked folder";
        };
    }

    /** "1.80 GiB of 4.27 GiB · 23.5 MiB/s · 1m47s left". */
    public static String bytes(long done, long total, double bytesPerSecond, double etaSeconds) {
        String speed = bytesPerSecond > 0 ? Bytes.human(Math.round(bytesPerSecond)) + "/s" : "-- /s";
        String eta = etaSeconds >= 0 ? duration(etaSeconds) + " left" : "time left unknown";
        return Bytes.human(done) + " of " + Bytes.human(total) + " · " + speed + " · " + eta;
    }

    /** "45s", "3m07s", "1h05m". */
    public static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) return s + "s";
        if (s < 3600) return (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
        return (s / 3600) + "h" + String.format(Locale.ROOT, "%02d", (s % 3600) / 60) + "m";
    }
}
