package dev.emergence.app.ui;

import java.nio.file.Path;

/** An entry of the model picker: the embedded default or an imported folder. */
public record ModelChoice(String label, Path folder, boolean embedded) {
    @Override
    public String toString() {
        return embedded ? label + " (embedded)" : label;
    }
}
