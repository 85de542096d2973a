package dev.emergence.app.engine;

import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.pipeline.PreviewKind;
import dev.emergence.engine.pipeline.StepListener;
import dev.emergence.engine.tensor.Tensor;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The engine as the studio sees it. Every method returns at once; the work happens on the
 * engine's own threads, so none of these may block the JavaFX thread. The production
 * implementation is {@link EngineAdapter}; tests may wrap it (for example to pace the steps).
 */
public interface StudioEngine extends AutoCloseable {
    /** Opens a model folder, replacing the current model. */
    CompletableFuture<ModelSummary> load(Path modelFolder);

    Optional<ModelSummary> model();

    /**
     * Starts a generation; {@code listener} is called on the engine thread after every step.
     *
     * @param init null for txt2img; @param mask null unless inpainting (white = repaint)
     */
    default RunningGeneration generate(GenerationRequest request, BufferedImage init, BufferedImage mask, StepListener listener) {
        return generate(request, init, mask, java.util.List.of(), listener);
    }

    /**
     * Starts a generation steered by the request's ControlNets.
     *
     * @param controlPictures one per {@code request.controls()}: the pictures their preprocessors read
     */
    RunningGeneration generate(GenerationRequest request, BufferedImage init, BufferedImage mask,
                               java.util.List<BufferedImage> controlPictures, StepListener listener);

    /** Where a prompt's {@code <lora:NAME>} tags are looked up (the studio's library's loras folder). */
    default void useLorasFolder(Path folder) {
    }

    /** Decodes a latent (scaled latent space) into a picture by the chosen decoder. */
    CompletableFuture<BufferedImage> preview(Tensor latent, PreviewKind kind);

    /** Tokenizes a prompt with the loaded model's tokenizer; empty when no model is loaded. Call off the FX thread. */
    Optional<TokenCount> countTokens(String prompt);

    @Override
    void close();
}
