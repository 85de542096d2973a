package dev.emergence.engine.pipeline;

import dev.emergence.engine.tensor.Tensor;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A finished picture.
 *
 * @param request     the request as actually run (size rounded, seed filled in)
 * @param mode        txt2img, img2img or inpainting
 * @param image       the decoded picture (for inpainting: composited so pixels outside the mask are the original's)
 * @param finalLatent the last latent, in scaled latent space
 * @param notices     one-line remarks for the user (size rounded down, unknown words, ...)
 * @param timings     where the time went
 */
public record GenerationResult(GenerationRequest request, GenerationMode mode, BufferedImage image,
                               Tensor finalLatent, List<String> notices, StageTimings timings) {
}
