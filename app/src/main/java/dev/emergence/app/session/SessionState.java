package dev.emergence.app.session;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The autosaved session, apart from the canvas layers (saved beside it as PNG): the parameters,
 * the tools, the model and the window. Unknown fields are tolerated, so older and newer studios
 * read each other's sessions; a missing field is null (boxed types, so that "not saved" or "not
 * readable" never reads as 0 and the studio keeps its own default for it). (Models are not listed
 * here: the model library is their list.)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SessionState(
        String prompt,
        String negativePrompt,
        Double cfg,
        Integer steps,
        Long seed,
        Boolean seedLocked,
        Double strength,
        Integer feather,
        String scheduler,
        String schedule,
        Integer clipSkip,
        String previewKind,
        Integer previewStride,
        String tool,
        Double brushSize,
        Double brushHardness,
        Double brushOpacity,
        Integer brushColor,
        String modelFolder,
        String selectedResult,
        WindowGeometry window,
        java.util.List<ControlState> controls,
        Integer batchCount,
        FrameState frame) {
    /** The generation frame's settings (inpainting only around the mask, colour match, outpainting fill, hires fix). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FrameState(Boolean onlyMasked, Integer padding, Boolean matchColours, String fill, Boolean hires, Double hiresStrength) {
    }
}
