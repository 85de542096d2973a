package dev.emergence.app.project;

import dev.emergence.app.canvas.Rect;
import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationRequest;

/**
 * One generation in a document's history: the full request the engine ran, its mode, the
 * canvas rectangle its picture was made for (before any growth of the canvas) and the layer it
 * landed as.
 */
public record GenerationRecord(GenerationRequest request, GenerationMode mode, Rect region, String layerName) {
}
