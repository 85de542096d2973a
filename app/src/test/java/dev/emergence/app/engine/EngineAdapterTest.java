package dev.emergence.app.engine;

import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.pipeline.PreviewKind;
import dev.emergence.engine.random.TorchGenerator;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.tensor.Tensor;
import dev.emergence.engine.text.ClipTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class EngineAdapterTest {
    private static final Path TINY_SD = Path.of("..", "engine", "testmodels", "tiny-sd").toAbsolutePath().normalize();
    private static final Path TINY_SD_INPAINT = Path.of("..", "engine", "testmodels", "tiny-sd-inpaint").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void summarisesTheModelFromItsFolder() throws Exception {
        assumeTrue(Files.isDirectory(TINY_SD), "the engine's test model is missing");
        try (EngineAdapter e = new EngineAdapter(ExecutionOptions.cpu())) {
            assertTrue(e.countTokens("a cat").isEmpty(), "no model, no tokenizer");
            ModelSummary s = e.load(TINY_SD).get(60, TimeUnit.SECONDS);
            // From the folder's own files: vae_decoder/config.json sample_size 64 with 4 blocks (factor 8,
            // so sides in multiples of 64), scheduler_config.json PNDMScheduler, a vae_preview folder.
            assertEquals("tiny-sd", s.name());
            assertEquals(64, s.nativeSize());
            assertEquals(64, s.sizeMultiple());
            assertEquals(SchedulerKind.PNDM, s.defaultScheduler());
            assertFalse(s.inpaintingModel());
            assertTrue(s.canEncodeImages());
            assertTrue(s.hasPreviewDecoder());
            assertTrue(s.device().toLowerCase().contains("cpu"), s.device());
            assertEquals(e.model().orElseThrow(), s);
            TokenCount t = e.countTokens("a cat").orElseThrow();
            assertEquals(75, t.windowCapacity());
            assertEquals(1, t.windows());
            // The attention syntax is not counted: "(cat:1.3)" is the word "cat", "[a] BREAK (cat)" is "a cat";
            // written out, the brackets, ':', '1', '.', '3' would be tokens of their own.
            try (ClipTokenizer tokenizer = ClipTokenizer.load(TINY_SD.resolve("tokenizer"))) {
                int cat = tokenizer.encode("cat").length;
                assertTrue(tokenizer.encode("(cat:1.3)").length > cat);
                assertEquals(cat, e.countTokens("(cat:1.3)").orElseThrow().tokens());
                assertEquals(tokenizer.encode("a cat").length, e.countTokens("[a] BREAK (cat)").orElseThrow().tokens());
            }
            // A weight that is not a number: the counter shows why instead of a count.
            TokenCount bad = e.countTokens("a (cat:1.2.3)").orElseThrow();
            assertEquals("\"(cat:1.2.3)\" at character 3: the weight 1.2.3 is not a number; expected one such as 1.2"
                    + " (write \\( \\) for literal brackets)", bad.label());
            assertEquals(0, bad.tokens());
        }
    }

    @Test
    void aFailedLoadKeepsThePreviousModel() throws Exception {
        assumeTrue(Files.isDirectory(TINY_SD), "the engine's test model is missing");
        try (EngineAdapter e = new EngineAdapter(ExecutionOptions.cpu())) {
            e.load(TINY_SD).get(60, TimeUnit.SECONDS);
            Path empty = Files.createDirectories(tmp.resolve("not-a-model"));
            CompletionException thrown = assertThrows(CompletionException.class, () -> e.load(empty).join());
            assertInstanceOf(ModelException.class, thrown.getCause());
            assertEquals("tiny-sd", e.model().orElseThrow().name());
            assertTrue(e.countTokens("still counting").isPresent());
        }
    }

    @Test
    void previewsInFlightAndAModelSwapDoNotCollide() throws Exception {
        assumeTrue(Files.isDirectory(TINY_SD_INPAINT), "the engine's test models are missing");
        try (EngineAdapter e = new EngineAdapter(ExecutionOptions.cpu())) {
            e.load(TINY_SD).get(60, TimeUnit.SECONDS);
            Tensor latent = new TorchGenerator(1).randn(1, 4, 8, 8);
            List<CompletableFuture<BufferedImage>> previews = new ArrayList<>();
            for (int i = 0; i < 8; i++) previews.add(e.preview(latent, PreviewKind.FULL_VAE));
            CompletableFuture<ModelSummary> swap = e.load(TINY_SD_INPAINT);
            for (int i = 0; i < 8; i++) previews.add(e.preview(latent, PreviewKind.FULL_VAE));
            assertTrue(swap.get(60, TimeUnit.SECONDS).inpaintingModel());
            int decoded = 0;
            for (CompletableFuture<BufferedImage> p : previews) {
                try {
                    BufferedImage img = p.get(60, TimeUnit.SECONDS);
                    assertEquals(64, img.getWidth());
                    decoded++;
                } catch (java.util.concurrent.ExecutionException ex) {
                    // Asked for while the model was being swapped: refused, never run on a closed model.
                    assertEquals("a model is being loaded", ex.getCause().getMessage());
                }
            }
            assertTrue(decoded >= 8, "the previews asked for before the swap all finished: " + decoded);
        }
    }
}
