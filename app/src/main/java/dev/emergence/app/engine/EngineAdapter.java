package dev.emergence.app.engine;

import dev.emergence.engine.model.ModelInfo;
import dev.emergence.engine.pipeline.Engine;
import dev.emergence.engine.pipeline.GenerationJob;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.pipeline.GenerationResult;
import dev.emergence.engine.pipeline.LoadedModel;
import dev.emergence.engine.pipeline.PreviewKind;
import dev.emergence.engine.pipeline.StepListener;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.tensor.Tensor;
import dev.emergence.engine.text.ClipTokenizer;
import dev.emergence.engine.text.TokenizedPrompt;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** {@link StudioEngine} over the engine's {@link Engine}: the only class of the studio that loads models. */
public final class EngineAdapter implements StudioEngine {
    /** auto, cpu, cuda or cuda:N, as the command line's --device. */
    public static final String DEVICE_PROPERTY = "emergence.device";

    private final Engine engine = new Engine();
    private final ExecutionOptions options;
    private volatile ModelSummary summary;

    public EngineAdapter(ExecutionOptions options) {
        this.options = options;
    }

    /**
     * The device named by the {@value #DEVICE_PROPERTY} system property, else auto; an unknown
     * name falls back to auto rather than keeping the studio from opening.
     */
    public static EngineAdapter fromSystemProperties() {
        String device = System.getProperty(DEVICE_PROPERTY, "auto");
        try {
            return new EngineAdapter(new ExecutionOptions(device, 0, 0));
        } catch (IllegalArgumentException e) {
            System.err.println("warning: " + DEVICE_PROPERTY + ": " + e.getMessage() + "; using auto");
            return new EngineAdapter(ExecutionOptions.defaults());
        }
    }

    @Override
    public CompletableFuture<ModelSummary> load(Path modelFolder) {
        // Until the new model is in, the old one is still the engine's: forget its summary only on success.
        return engine.load(modelFolder, options).thenApply(info -> {
            LoadedModel m = engine.model().orElseThrow();
            ModelSummary s = summarise(modelFolder, info, m);
            summary = s;
            return s;
        });
    }

    private static ModelSummary summarise(Path folder, ModelInfo info, LoadedModel m) {
        return new ModelSummary(folder, info.name(), info.family(), info.nativeSampleSize(), m.pipeline().sizeMultiple(),
                String.valueOf(m.device()), info.inpainting(), info.hasImageEncoder(), info.hasPreviewDecoder(),
                m.defaultScheduler());
    }

    @Override
    public Optional<ModelSummary> model() {
        return Optional.ofNullable(summary);
    }

    @Override
    public RunningGeneration generate(GenerationRequest request, BufferedImage init, BufferedImage mask, StepListener listener) {
        GenerationJob job = engine.generate(request, init, mask, listener);
        return new RunningGeneration() {
            @Override
            public CompletableFuture<GenerationResult> result() { return job.result(); }

            @Override
            public void cancel() { job.cancel(); }
        };
    }

    @Override
    public CompletableFuture<BufferedImage> preview(Tensor latent, PreviewKind kind) {
        return engine.preview(latent, kind);
    }

    @Override
    public Optional<TokenCount> countTokens(String prompt) {
        Optional<LoadedModel> m = engine.model();
        if (m.isEmpty()) return Optional.empty();
        try {
            ClipTokenizer tokenizer = m.get().tokenizer();
            TokenizedPrompt t = tokenizer.tokenize(prompt, 1);
            return Optional.of(new TokenCount(t.tokenCount(), t.windowCount(), tokenizer.windowCapacity(), t.unknownWords()));
        } catch (RuntimeException e) {
            // The model was swapped out while counting: the next keystroke counts again.
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        engine.close();
    }
}
