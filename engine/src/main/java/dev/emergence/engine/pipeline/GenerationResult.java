package dev.emergence.engine.pipeline;

import dev.emergence.engine.tensor.Tensor;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;

/**
 * A finished picture.
 *
 * @param request     the request as actually run (size rounded, seed filled in)
 * @param mode        txt2img, img2img or inpainting
 * @param image       the decoded picture (for inpainting: composited so pixels outside the mask are the original's)
 * @param finalLatent the last latent, in scaled latent space
 * @param notices     one-line remarks for the user (size rounded down, unknown words, ...)
 * @param timings     where the time went
 * @param loraHashes  the LoRAs the model carried, by the names the prompt gives them, with AUTOMATIC1111's
 *                    short hashes of their files (what a picture records as {@code Lora hashes}); empty for none
 */
public record GenerationResult(GenerationRequest request, GenerationMode mode, BufferedImage image,
                               Tensor finalLatent, List<String> notices, StageTimings timings, Map<String, String> loraHashes) {
    public GenerationResult {
        loraHashes = loraHashes == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(loraHashes));
    }

    /** A result of a model carrying no LoRA. */
    public GenerationResult(GenerationRequest request, GenerationMode mode, BufferedImage image,
                            Tensor finalLatent, List<String> notices, StageTimings timings) {
        this(request, mode, image, finalLatent, notices, timings, Map.of());
    }
}
