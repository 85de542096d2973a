package dev.emergence.engine.library;

import dev.emergence.engine.model.ModelInfo;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * One model the studio can offer: the embedded default model, or a folder in the library.
 *
 * @param name    the name the library knows it by (its folder's name; {@value ModelLibrary#EMBEDDED_NAME} for the embedded model)
 * @param folder  where its files are (for a linked model, the link in the library)
 * @param source  how it came to be there
 * @param info    the engine's summary, or null when the folder cannot be opened
 * @param problem the engine's one-line reason when the folder cannot be opened, else null
 */
public record ModelEntry(String name, Path folder, Source source, ModelInfo info, String problem) {

    public enum Source {
        /** Shipped inside the application. */
        EMBEDDED,
        /** Copied (or downloaded) into the library: the library owns its files. */
        COPIED,
        /** A link to a folder elsewhere: removing it removes only the link. */
        LINKED
    }

    public Optional<ModelInfo> summary() {
        return Optional.ofNullable(info);
    }

    public boolean usable() {
        return info != null;
    }

    /** "fp16" or "fp32" (the UNet's latents), or "?" when the folder cannot be opened. */
    public String precision() {
        return info == null ? "?" : info.fp16() ? "fp16" : "fp32";
    }

    /** One line for lists: name, family, precision, size, native size, what it generates; or the problem. */
    public String line() {
        String where = source == Source.EMBEDDED ? " [embedded]" : source == Source.LINKED ? " [linked]" : "";
        if (info == null) return String.format(Locale.ROOT, "%-28s unusable: %s", name + where, problem);
        return String.format(Locale.ROOT, "%-28s %-7s %-5s %9s %5dpx  %s%s", name + where, info.family(), precision(),
                Bytes.human(info.sizeOnDiskBytes()), info.nativeSampleSize(), info.capabilities(),
                info.hasPreviewDecoder() ? ", preview decoder" : "");
    }
}
