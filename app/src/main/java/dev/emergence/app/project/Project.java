package dev.emergence.app.project;

import dev.emergence.app.canvas.DocumentCopy;

import java.util.List;

/** A document as a project file holds it: the layers, mask and frame, and the history of its generations. */
public record Project(DocumentCopy document, List<GenerationRecord> generations) {
    public Project {
        generations = List.copyOf(generations);
    }
}
