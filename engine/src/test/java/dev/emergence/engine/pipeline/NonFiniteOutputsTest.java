package dev.emergence.engine.pipeline;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.model.DiffusionModels;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.scheduler.SchedulerConfig;
import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.tensor.Tensor;
import dev.emergence.engine.text.ClipTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A model part that outputs NaN or an infinity stops the generation with one line naming the part
 * and the step, instead of a black picture; and a step count past the model's schedule is refused.
 * The parts are {@link FakeModels} with the bad values put in here.
 */
class NonFiniteOutputsTest {
    @TempDir
    static Path tokenizerDir;
    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void writeTokenizer() throws Exception {
        tokenizer = FakeModels.wordTokenizer(tokenizerDir);
    }

    @AfterAll
    static void closeTokenizer() {
        if (tokenizer != null) tokenizer.close();
    }

    private final FakeModels.Set fakes = new FakeModels.Set();

    private static GenerationRequest request(int steps, double cfg, double strength) {
        return new GenerationRequest("a cat", "", 64, 64, steps, cfg, 42, SchedulerKind.EULER, strength, 0, null, null, null);
    }

    private static Tensor filled(Tensor t, float value) {
        Tensor out = t.copy();
        out.data()[out.size() / 2] = value;
        return out;
    }

    private ModelException fails(PipelineComponents components, GenerationRequest request, boolean withInit) {
        ModelException e = assertThrows(ModelException.class, () -> new StableDiffusionPipeline(components).generate(request,
                withInit ? FakeModels.picture(64, 64) : null, null, StepListener.NONE, new CancellationToken()));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e;
    }

    private PipelineComponents with(DiffusionModels.TextEncoder text, DiffusionModels.Denoiser unet,
                                    DiffusionModels.LatentDecoder decoder, DiffusionModels.ImageEncoder encoder, boolean fp16) {
        return new PipelineComponents("fake", tokenizer, text, unet, decoder, () -> encoder, SchedulerConfig.sd15(),
                FakeModels.VAE_FACTOR, 4, 4, fp16);
    }

    @Test
    void unetNaNNamesTheStep() {
        int[] calls = {0};
        DiffusionModels.Denoiser nanAtThird = (sample, t, text) -> {
            Tensor out = fakes.unet.predict(sample, t, text);
            return ++calls[0] == 3 ? filled(out, Float.NaN) : out;
        };
        ModelException e = fails(with(fakes.text, nanAtThird, fakes.decoder, fakes.encoder, false), request(20, 7.5, 1), false);
        assertEquals("fake/unet/model.onnx produced NaN at step 3 of 20; expected finite noise predictions", e.getMessage());
        assertEquals(3, calls[0], "stopped at the step that failed");
    }

    @Test
    void unetInfinityInImg2imgCountsTheStepsRun() {
        DiffusionModels.Denoiser inf = (sample, t, text) -> filled(fakes.unet.predict(sample, t, text), Float.NEGATIVE_INFINITY);
        // strength 0.5 of 10 steps runs 5: the first is step 1 of 5.
        ModelException e = fails(with(fakes.text, inf, fakes.decoder, fakes.encoder, false), request(10, 7.5, 0.5), true);
        assertEquals("fake/unet/model.onnx produced -Infinity at step 1 of 5; expected finite noise predictions", e.getMessage());
    }

    @Test
    void guidanceOverflowIsReported() {
        // Finite but huge predictions that differ: cfg·(cond − uncond) leaves float range.
        DiffusionModels.Denoiser huge = (sample, t, text) -> {
            Tensor out = fakes.unet.predict(sample, t, text);
            float[] d = out.data();
            for (int i = 0; i < d.length; i++) d[i] = i < d.length / 2 ? -3e38f : 3e38f;
            return out;
        };
        ModelException e = fails(with(fakes.text, huge, fakes.decoder, fakes.encoder, false), request(4, 50, 1), false);
        assertEquals("fake/unet/model.onnx produced Infinity at step 1 of 4 after guidance with CFG 50.0; "
                + "expected noise predictions within float range", e.getMessage());
    }

    @Test
    void vaeDecoderNaNOfAnFp16ModelSuggestsAnFp32Decoder() {
        DiffusionModels.LatentDecoder nan = latents -> filled(fakes.decoder.decode(latents), Float.NaN);
        ModelException fp16 = fails(with(fakes.text, fakes.unet, nan, fakes.encoder, true), request(2, 7.5, 1), false);
        assertEquals("fake/vae_decoder/model.onnx produced NaN decoding the final latents; expected finite pixels; "
                + "the fp16 VAE decoder overflowed; use an fp32 VAE decoder", fp16.getMessage());
        ModelException fp32 = fails(with(fakes.text, fakes.unet, nan, fakes.encoder, false), request(2, 7.5, 1), false);
        assertEquals("fake/vae_decoder/model.onnx produced NaN decoding the final latents; expected finite pixels", fp32.getMessage());
    }

    @Test
    void textEncoderAndVaeEncoderAreChecked() {
        DiffusionModels.TextEncoder nanText = ids -> filled(fakes.text.encode(ids), Float.NaN);
        assertEquals("fake/text_encoder/model.onnx produced NaN encoding the prompt; expected finite text embeddings",
                fails(with(nanText, fakes.unet, fakes.decoder, fakes.encoder, false), request(2, 7.5, 1), false).getMessage());
        DiffusionModels.ImageEncoder infEncoder = pixels -> filled(fakes.encoder.encode(pixels), Float.POSITIVE_INFINITY);
        assertEquals("fake/vae_encoder/model.onnx produced Infinity encoding the init picture; expected finite latents",
                fails(with(fakes.text, fakes.unet, fakes.decoder, infEncoder, false), request(4, 7.5, 0.5), true).getMessage());
        assertEquals(0, fakes.unet.calls(), "no UNet run after a bad encoding");
    }

    @Test
    void finiteOutputsStillMakeAPicture() throws Exception {
        GenerationResult r = new StableDiffusionPipeline(with(fakes.text, fakes.unet, fakes.decoder, fakes.encoder, true))
                .generate(request(3, 7.5, 1), null, null, StepListener.NONE, new CancellationToken());
        assertEquals(64, r.image().getWidth());
        assertEquals(3, fakes.unet.calls());
    }

    /**
     * SD 1.5's PNDM config has steps_offset 1: 1000 "leading" steps reach timestep 1000, one past its
     * last; diffusers' PNDMScheduler fails there with an IndexError. The request is refused before any model runs.
     */
    @Test
    void stepsPastTheScheduleAreRefused() {
        GenerationRequest r = new GenerationRequest("a cat", "", 64, 64, 1000, 7.5, 42, SchedulerKind.PNDM, 1, 0, null, null, null);
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> new StableDiffusionPipeline(
                with(fakes.text, fakes.unet, fakes.decoder, fakes.encoder, false)).generate(r, null, null, StepListener.NONE, new CancellationToken()));
        assertEquals("steps: 1000 steps with \"leading\" timestep spacing and steps_offset 1 reach timestep 1000, "
                + "past the model's last training timestep 999; expected at most 999 steps", e.getMessage());
        assertEquals(0, fakes.unet.calls());
        assertEquals(Arrays.asList(), fakes.unet.timesteps);
    }

    /** Previews go through the same check: a real ONNX decoder that outputs NaN, written by the test. */
    @Test
    void aPreviewOfANaNDecoderIsRefused(@TempDir Path temp) throws Exception {
        Path model = dev.emergence.engine.TestFolders.copy(Path.of("testmodels", "tiny-sd"), temp.resolve("tiny-sd"));
        dev.emergence.engine.model.NonFiniteGraphs.vaeDecoder(model.resolve("vae_decoder/model.onnx"), Float.NaN);
        try (LoadedModel loaded = LoadedModel.open(model, dev.emergence.engine.runtime.ExecutionOptions.cpu())) {
            ModelException e = assertThrows(ModelException.class, () -> loaded.preview(Tensor.zeros(1, 4, 8, 8), PreviewKind.FULL_VAE));
            assertEquals("tiny-sd/vae_decoder/model.onnx produced NaN decoding a preview; expected finite pixels", e.getMessage());
        }
    }
}
