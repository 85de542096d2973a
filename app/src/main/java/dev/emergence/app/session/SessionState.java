package dev.emergence.app.session;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The autosaved session, apart from the canvas layers (saved beside it as PNG): the parameters,
 * the tools, the model and the window. Unknown and missing fields are tolerated, so older and
 * newer studios read each other's sessions. (Models are not listed here: the model library is their list.)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SessionState(
        String prompt,
        String negativePrompt,
        double cfg,
        int steps,
        long seed,
        boolean seedLocked,
        double strength,
        int feather,
        String scheduler,
        String previewKind,
        int previewStride,
        String tool,
        double brushSize,
        double brushHardness,
        double brushOpacity,
        int brushColor,
        String modelFolder,
        String selectedResult,
        WindowGeometry window) {
}
