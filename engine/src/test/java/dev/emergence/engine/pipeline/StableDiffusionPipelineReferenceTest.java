package dev.emergence.engine.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.scheduler.SchedulerConfig;
import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.tensor.Tensor;
import dev.emergence.engine.text.ClipTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The pipeline's loop against diffusers' pipelines, case by case. The expected values in
 * {@code reference/pipeline/pipeline_cases.json} came from
 * {@code engine/tools/reference/make_pipeline_refs.py}, which ran diffusers' StableDiffusionPipeline,
 * StableDiffusionImg2ImgPipeline and StableDiffusionInpaintPipeline (0.40.0.dev0, commit 58eb52c0,
 * torch 1.13 on CPU) with the closed-form fake models that {@link FakeModels} re-implements. The
 * prompts go through the engine's tokenizer with CLIP's real vocabulary (../shared/data/clip-bpe),
 * which must give the ids the script used.
 */
class StableDiffusionPipelineReferenceTest {
    static final Path CLIP_BPE = Path.of("../../shared/data/clip-bpe");
    /** Relative and absolute tolerance of every latent comparison. */
    static final double TOL = 1e-4;

    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void openTokenizer() throws Exception {
        if (Files.isRegularFile(CLIP_BPE.resolve("vocab.json"))) tokenizer = ClipTokenizer.load(CLIP_BPE);
    }

    @AfterAll
    static void closeTokenizer() {
        if (tokenizer != null) tokenizer.close();
    }

    @TestFactory
    Stream<DynamicTest> matchesDiffusers() throws IOException {
        JsonNode file;
        try (InputStream in = getClass().getResourceAsStream("/reference/pipeline/pipeline_cases.json")) {
            assertNotNull(in, "missing test resource reference/pipeline/pipeline_cases.json");
            file = new ObjectMapper().readTree(in);
        }
        return StreamSupport.stream(file.get("cases").spliterator(), false)
                .map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> replay(c)));
    }

    private static void replay(JsonNode c) throws Exception {
        assumeTrue(tokenizer != null,
                "CLIP's BPE files are not in ../shared/data/clip-bpe (shared test data absent); skipping the pipeline reference cases");
        String name = c.get("name").asText();
        String mode = c.get("mode").asText();
        int width = c.get("width").asInt(), height = c.get("height").asInt();
        int unetChannels = c.path("unet_in_channels").asInt(4);
        SchedulerConfig config = SchedulerConfig.parse(new ObjectMapper().writeValueAsString(c.get("config")));
        SchedulerKind kind = SchedulerKind.parse(c.get("scheduler").asText()).orElseThrow();
        GenerationRequest request = new GenerationRequest(c.get("prompt").asText(), c.get("negative_prompt").asText(),
                width, height, c.get("steps").asInt(), c.get("cfg").asDouble(), c.get("seed").asLong(), kind,
                c.path("strength").asDouble(1.0), c.get("feather").asDouble(), null, null, null);

        FakeModels.Set fakes = new FakeModels.Set();
        StableDiffusionPipeline pipeline = new StableDiffusionPipeline(fakes.components(tokenizer, config, unetChannels));
        BufferedImage init = mode.equals("txt2img") ? null : FakeModels.picture(width, height);
        JsonNode rect = c.get("mask_rect");
        BufferedImage mask = mode.equals("inpaint")
                ? FakeModels.mask(width, height, rect.get(0).asInt(), rect.get(1).asInt(), rect.get(2).asInt(), rect.get(3).asInt())
                : null;
        List<StepSnapshot> snapshots = new ArrayList<>();
        GenerationResult result = pipeline.generate(request, init, mask, snapshots::add, new CancellationToken());

        // Text: one encoder call, rows [prompt; negative prompt], CLIP's ids as the script used them.
        assertEquals(1, fakes.text.calls.size(), name + ": text encoder calls");
        int[][] rows = fakes.text.calls.get(0);
        boolean guided = !c.get("uncond_ids").isNull();
        assertEquals(guided ? 2 : 1, rows.length, name + ": text rows");
        assertArrayEquals(ints(c.get("cond_ids")), rows[0], name + ": prompt ids");
        if (guided) assertArrayEquals(ints(c.get("uncond_ids")), rows[1], name + ": negative prompt ids");

        // The loop: the timesteps diffusers visits, one UNet call per timestep, guidance batch of 2.
        double[] timesteps = doubles(c.get("timesteps"));
        assertEquals(timesteps.length, snapshots.size(), name + ": steps reported");
        assertEquals(timesteps.length, fakes.unet.calls(), name + ": UNet calls");
        for (int i = 0; i < timesteps.length; i++) {
            StepSnapshot s = snapshots.get(i);
            assertEquals(i, s.stepIndex(), name + ": step index");
            assertEquals(timesteps.length, s.stepCount(), name + ": step count");
            assertEquals(timesteps[i], s.timestep(), 1e-4 * Math.max(1, timesteps[i]), name + ": timestep " + i);
            assertEquals(timesteps[i], fakes.unet.timesteps.get(i), 1e-4 * Math.max(1, timesteps[i]), name + ": UNet timestep " + i);
            assertEquals(guided ? 2 : 1, fakes.unet.batchSizes.get(i), name + ": UNet batch at step " + i);
        }
        Tensor first = fakes.unet.samples.get(0);
        assertEquals(unetChannels, first.dim(1), name + ": UNet input channels");
        assertClose(c.get("first_model_input"), first.batchItem(0), name + ": first UNet input");
        if (guided) assertArrayEquals(first.batchItem(0).data(), first.batchItem(1).data(), name + ": both guidance rows see the same input");

        for (JsonNode cp : c.get("checkpoints")) {
            StepSnapshot s = snapshots.get(cp.get("index").asInt());
            assertClose(cp.get("latents"), s.latent(), name + ": latents after step " + s.stepIndex());
            assertClose(cp.get("x0"), s.x0(), name + ": x0 at step " + s.stepIndex());
        }
        assertClose(c.get("final_latents"), result.finalLatent(), name + ": final latents");

        // Decoding: the decoder saw the final latents; its output before quantisation at the probes.
        Tensor decoded = fakes.decoder.lastOutput;
        for (JsonNode p : c.get("decoded_probes")) {
            int ch = p.get(0).asInt(), y = p.get(1).asInt(), x = p.get(2).asInt();
            double expected = p.get(3).asDouble(), actual = decoded.data()[(ch * height + y) * width + x];
            assertEquals(expected, actual, TOL * (1 + Math.abs(expected)), name + ": decoded pixel " + ch + "," + y + "," + x);
        }
        assertPicture(c, result.image(), decoded, name);
        assertEquals(switch (mode) {
            case "txt2img" -> GenerationMode.TXT2IMG;
            case "img2img" -> GenerationMode.IMG2IMG;
            default -> GenerationMode.INPAINT;
        }, result.mode(), name + ": mode");
    }

    /**
     * The final picture equals diffusers' postprocessed one. A level may differ only where the
     * value sits on a rounding boundary (x·255 within 0.01 of a half), which the 1e-7 float
     * differences between the two decoders can tip either way.
     */
    private static void assertPicture(JsonNode c, BufferedImage actual, Tensor decoded, String name) throws IOException {
        BufferedImage expected = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(c.get("image_png_base64").asText())));
        int w = expected.getWidth(), h = expected.getHeight(), plane = w * h;
        assertEquals(w, actual.getWidth(), name + ": picture width");
        assertEquals(h, actual.getHeight(), name + ": picture height");
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int e = expected.getRGB(x, y), a = actual.getRGB(x, y);
                for (int ch = 0; ch < 3; ch++) {
                    int shift = 16 - 8 * ch, ev = (e >> shift) & 0xFF, av = (a >> shift) & 0xFF;
                    if (ev == av) continue;
                    double level = (decoded.data()[ch * plane + y * w + x] * 0.5 + 0.5) * 255;
                    boolean onBoundary = Math.abs(level - Math.floor(level) - 0.5) < 0.01;
                    if (Math.abs(ev - av) > 1 || !onBoundary) {
                        fail(name + ": pixel (" + x + ", " + y + ") channel " + ch + " is " + av + ", expected " + ev);
                    }
                }
            }
        }
    }

    /** |actual − expected| ≤ TOL·|expected| + TOL, element by element. */
    static void assertClose(JsonNode expected, Tensor actual, String what) {
        assertWithin(doubles(expected), actual.data(), TOL, what);
    }

    /** |actual − expected| ≤ tol·|expected| + tol, element by element, counts equal. */
    static void assertWithin(double[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": element count");
        for (int i = 0; i < actual.length; i++) {
            double e = expected[i];
            if (!(Math.abs(actual[i] - e) <= tol * Math.abs(e) + tol)) {
                fail(what + "[" + i + "]: expected " + e + ", got " + actual[i] + " (difference " + Math.abs(actual[i] - e) + ")");
            }
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asDouble();
        return out;
    }
}
