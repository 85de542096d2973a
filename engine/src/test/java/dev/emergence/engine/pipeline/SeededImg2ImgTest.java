package dev.emergence.engine.pipeline;

import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.scheduler.SchedulerKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * img2img and inpainting with an encoder that samples its latent in the graph (tiny-sd's, as
 * diffusers' converter exports it) are reproducible: the engine draws the sample from the
 * request's seed, so the same request gives the same pixels and another seed other pixels.
 */
class SeededImg2ImgTest {
    private static GenerationRequest request(String model, long seed, double strength) {
        return new GenerationRequest("a red circle", "", 64, 64, 4, 7.5, seed, SchedulerKind.EULER, strength, 0, null, null, model);
    }

    private static BufferedImage run(Engine engine, GenerationRequest request, BufferedImage mask) throws Exception {
        return engine.generate(request, FakeModels.picture(64, 64), mask, StepListener.NONE).result().get(60, TimeUnit.SECONDS).image();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-sd", "tiny-sd-fp16"})
    void theSameSeedGivesTheSamePixels(String model) throws Exception {
        try (Engine engine = new Engine()) {
            engine.load(Path.of("testmodels", model), ExecutionOptions.cpu()).get(60, TimeUnit.SECONDS);
            BufferedImage mask = FakeModels.mask(64, 64, 16, 16, 48, 48);

            BufferedImage first = run(engine, request(model, 7, 0.6), null);
            BufferedImage second = run(engine, request(model, 7, 0.6), null);
            BufferedImage otherSeed = run(engine, request(model, 8, 0.6), null);
            BufferedImage inpaint = run(engine, request(model, 7, 0.75), mask);
            BufferedImage inpaintAgain = run(engine, request(model, 7, 0.75), mask);

            assertTrue(EngineTest.samePixels(first, second), model + ": img2img with seed 7 twice");
            assertFalse(EngineTest.samePixels(first, otherSeed), model + ": img2img with seeds 7 and 8");
            assertTrue(EngineTest.samePixels(inpaint, inpaintAgain), model + ": inpainting with seed 7 twice");
        }
    }

    /** An encoder that samples in a way the engine does not seed still works; the first generation that encodes is told. */
    @org.junit.jupiter.api.Test
    void anUnseededEncoderIsReportedOnceInTheGenerationsNotices(@org.junit.jupiter.api.io.TempDir Path temp) throws Exception {
        Path folder = dev.emergence.engine.model.EncoderGraphs.tinySdWith(temp, dev.emergence.engine.model.EncoderGraphs::subtractNoise);
        try (Engine engine = new Engine()) {
            engine.load(folder, ExecutionOptions.cpu()).get(60, TimeUnit.SECONDS);
            List<String> txt2img = engine.generate(request("tiny-sd", 7, 1.0), null, null, StepListener.NONE).result().get(60, TimeUnit.SECONDS).notices();
            GenerationResult first = engine.generate(request("tiny-sd", 7, 0.6), FakeModels.picture(64, 64), null, StepListener.NONE)
                    .result().get(60, TimeUnit.SECONDS);
            GenerationResult second = engine.generate(request("tiny-sd", 7, 0.6), FakeModels.picture(64, 64), null, StepListener.NONE)
                    .result().get(60, TimeUnit.SECONDS);

            assertEquals(List.of(), txt2img, "txt2img encodes nothing");
            assertEquals(List.of("img2img and inpainting with tiny-sd/vae_encoder/model.onnx are not reproducible: its graph samples"
                    + " 'latent_sample' with its own unseeded noise, not as mean + std · RandomNormalLike, which the engine would seed"),
                    first.notices());
            assertEquals(List.of(), second.notices(), "told once");
            assertEquals(64, second.image().getWidth());
        }
    }
}
