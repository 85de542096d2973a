package dev.emergence.app.gallery;

import dev.emergence.engine.image.A1111Parameters;
import dev.emergence.engine.image.ImageException;
import dev.emergence.engine.image.PngMetadata;
import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.pipeline.GenerationRequest;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The mode a PNG was made in, read from its AUTOMATIC1111 parameters: a denoising strength is
 * written only for image to image and inpainting (and a mask feather only for inpainting), so
 * pictures in the history that were read back from disk can restore their mode too.
 */
public final class PngMode {
    private PngMode() {
    }

    public static Optional<GenerationMode> read(Path png, GenerationRequest request) {
        try {
            String text = PngMetadata.read(png).get(GenerationPng.PARAMETERS_KEY);
            if (text == null) return Optional.empty();
            if (A1111Parameters.parse(text).denoisingStrength() == null) return Optional.of(GenerationMode.TXT2IMG);
            return Optional.of(request.maskFeatherPixels() > 0 ? GenerationMode.INPAINT : GenerationMode.IMG2IMG);
        } catch (ImageException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
