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
import dev.emergence.engine.text.PromptSyntaxException;
import dev.emergence.engine.text.TokenizedPrompt;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.StampedLock;

/**
 * {@link StudioEngine} over the engine's {@link Engine}: the only class of the studio that loads
 * models. Token counts and previews run beside the engine thread, on the loaded model's tokenizer
 * and decoders; loading another model closes those, so a lock keeps a load from closing them while
 * one is in use (loads wait for running uses; uses that start during a load are skipped).
 */
public final class EngineAdapter implements StudioEngine {
    /** auto, cpu, cuda or cuda:N, as the command line's --device. */
    public static final String DEVICE_PROPERTY = "emergence.device";

    /** Where prompts' LoRA tags are looked up: the studio's library, once it is known. */
    private volatile Path lorasFolder = dev.emergence.engine.library.DataFolders.modelsFolder()
            .resolve(dev.emergence.engine.library.ModelLibrary.LORAS);
    private final Engine engine = new Engine(() -> new dev.emergence.engine.lora.LoraLibrary(lorasFolder));
    private final ExecutionOptions options;
    private volatile ModelSummary summary;
    /** Write-held while a model is being swapped; read-held by each token count and preview. */
    private final StampedLock swap = new StampedLock();
    private final ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "model-loader");
        t.setDaemon(true);
        return t;
    });

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
        // The lock is taken on the loader thread (it may wait for a preview to finish) and let go
        // on the engine thread when the load is done (a StampedLock may be released by any thread).
        return CompletableFuture.supplyAsync(swap::writeLock, loader).thenCompose(stamp -> {
            CompletableFuture<ModelInfo> loaded;
            try {
                loaded = engine.load(modelFolder, options);
            } catch (RuntimeException e) {
                swap.unlockWrite(stamp);
                throw e;
            }
            // Until the new model is in, the old one is still the engine's: its summary is replaced only on success.
            return loaded.thenApply(info -> {
                ModelSummary s = summarise(modelFolder, info, engine.model().orElseThrow());
                summary = s;
                return s;
            }).whenComplete((s, e) -> swap.unlockWrite(stamp));
        });
    }

    private static ModelSummary summarise(Path folder, ModelInfo info, LoadedModel m) {
        return new ModelSummary(folder, info.name(), info.family(), info.nativeSampleSize(), m.pipeline().sizeMultiple(),
                String.valueOf(m.device()), info.inpainting(), info.hasImageEncoder(), info.hasPreviewDecoder(),
                m.familyScheduler(), m.family().defaultSteps(), m.family().defaultCfg(), m.conditioner().clipSkipLimit(), m.takesControlNets(),
                m.device().onCuda() ? "" : info.precisionNote());
    }

    @Override
    public Optional<ModelSummary> model() {
        return Optional.ofNullable(summary);
    }

    @Override
    public RunningGeneration generate(GenerationRequest request, BufferedImage init, BufferedImage mask,
                                      java.util.List<BufferedImage> controlPictures, StepListener listener) {
        GenerationJob job = engine.generate(request, init, mask, controlPictures, listener);
        return new RunningGeneration() {
            @Override
            public CompletableFuture<GenerationResult> result() { return job.result(); }

            @Override
            public void cancel() { job.cancel(); }
        };
    }

    @Override
    public CompletableFuture<BufferedImage> preview(Tensor latent, PreviewKind kind) {
        long stamp = swap.tryReadLock();
        if (stamp == 0) return CompletableFuture.failedFuture(new IllegalStateException("a model is being loaded"));
        try {
            return engine.preview(latent, kind).whenComplete((img, e) -> swap.unlockRead(stamp));
        } catch (RuntimeException e) {
            swap.unlockRead(stamp);
            throw e;
        }
    }

    @Override
    public void useLorasFolder(Path folder) {
        lorasFolder = folder;
    }

    @Override
    public Optional<TokenCount> countTokens(String prompt) {
        long stamp = swap.tryReadLock();
        // While a model loads there is nothing to count with; the studio counts again once it is in.
        if (stamp == 0) return Optional.empty();
        try {
            Optional<LoadedModel> m = engine.model();
            if (m.isEmpty()) return Optional.empty();
            ClipTokenizer tokenizer = m.get().tokenizer();
            TokenizedPrompt t;
            try {
                // Extra-network tags (<lora:...>) are taken out before encoding, so they are not counted.
                t = tokenizer.tokenize(dev.emergence.engine.pipeline.ExtraNetworks.strip(prompt).text(), 1);
            } catch (PromptSyntaxException e) {
                return Optional.of(TokenCount.unreadable(e.getMessage(), tokenizer.windowCapacity()));
            }
            return Optional.of(new TokenCount(t.tokenCount(), t.windowCount(), tokenizer.windowCapacity(), t.unknownWords()));
        } finally {
            swap.unlockRead(stamp);
        }
    }

    @Override
    public void close() {
        loader.shutdownNow();
        // Let running previews and counts finish before the model's sessions are freed.
        long stamp = 0;
        try {
            stamp = swap.tryWriteLock(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        engine.close();
        if (stamp != 0) swap.unlockWrite(stamp);
    }
}
