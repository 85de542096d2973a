package dev.emergence.app.library;

import java.nio.file.Path;

/**
 * An entry of the model picker: a usable model of the library, or the embedded default.
 *
 * @param name     the library's name for it
 * @param folder   its folder, absolute (for a linked model, the link in the library)
 * @param embedded the model that ships with the studio
 * @param summary  one line from the engine's summary, e.g. "SD 1.x · inpainting · fp16"
 */
public record ModelChoice(String name, Path folder, boolean embedded, String summary) {
    @Override
    public String toString() {
        return embedded ? name + " (embedded)" : name;
    }
}
