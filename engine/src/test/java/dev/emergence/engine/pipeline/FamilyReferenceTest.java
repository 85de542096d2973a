package dev.emergence.engine.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.emergence.engine.TestFolders;
import dev.emergence.engine.model.DiffusionModels;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.model.ModelFamily;
import dev.emergence.engine.model.ModelInfo;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.tensor.Tensor;
import dev.emergence.engine.text.ClipTokenizer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * SDXL, SDXL-Turbo and LCM end to end through the engine's ONNX sessions, against diffusers' own
 * pipelines. {@code reference/pipeline/families.json} came from
 * {@code engine/tools/reference/make_family_refs.py}, which ran diffusers 0.30.3's (commit c9ff3609)
 * StableDiffusionXLPipeline, StableDiffusionXLImg2ImgPipeline, StableDiffusionXLInpaintPipeline,
 * LatentConsistencyModelPipeline and LatentConsistencyModelImg2ImgPipeline, unmodified, on the torch
 * modules that {@code engine/testmodels/make_family_models.py} exported to {@code tiny-sdxl/} and
 * {@code tiny-lcm/}, with torch's CPU generator. Compared: the token ids of both tokenizers, the
 * first UNet call's every input (text states, pooled embeddings, size ids, guidance embedding), the
 * latents after every step, the final latents and the picture. One case sets diffusers' clip_skip,
 * which moves the prompt's layer (not the negative prompt's) one further from the end.
 */
class FamilyReferenceTest {
    /** Absolute and relative tolerance of tensor comparisons (latents reach about 55 in the Turbo and LCM cases). */
    static final double TOL = 1e-4;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @TestFactory
    Stream<DynamicTest> matchesDiffusersPipelines() throws IOException {
        JsonNode file;
        try (InputStream in = getClass().getResourceAsStream("/reference/pipeline/families.json")) {
            assertNotNull(in, "missing test resource reference/pipeline/families.json");
            file = JSON.readTree(in);
        }
        return StreamSupport.stream(file.get("cases").spliterator(), false)
                .map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> replay(c)));
    }

    private void replay(JsonNode c) throws Exception {
        String name = c.get("name").asText();
        Path bundle = bundleFor(c);
        try (LoadedModel m = LoadedModel.open(bundle, ExecutionOptions.cpu(1))) {
            ModelInfo info = m.info();
            boolean sdxl = c.get("bundle").asText().equals("tiny-sdxl");
            assertEquals(sdxl, info.familyKind().sdxl(), name + ": family " + info.family());
            if (!sdxl) assertEquals(ModelFamily.LCM, info.familyKind(), name + ": family");

            JsonNode config = c.get("scheduler").get("config");
            SchedulerKind kind = SchedulerKind.fromDiffusersClass(config.get("_class_name").asText(), false).orElseThrow();
            JsonNode negative = c.path("negative_prompt");
            int width = c.get("width").asInt(), height = c.get("height").asInt();
            GenerationRequest request = new GenerationRequest(c.get("prompt").asText(), negative.isTextual() ? negative.asText() : "",
                    width, height, c.get("steps").asInt(), c.get("guidance_scale").asDouble(), c.get("seed").asLong(), kind,
                    c.path("strength").asDouble(1.0), 0, null, null, null)
                    // diffusers' clip_skip = n is AUTOMATIC1111's (and the engine's) Clip skip n + 1.
                    .withClipSkip(c.has("clip_skip") ? c.get("clip_skip").asInt() + 1 : null);

            Recording unet = new Recording(m.bundle().denoiser());
            StableDiffusionPipeline pipeline = new StableDiffusionPipeline(new PipelineComponents(info.name(), m.conditioner(), unet,
                    m.bundle().vaeDecoder(), m.bundle()::imageEncoder, m.schedulerConfig(), info.vaeScaleFactor(),
                    info.unetInChannels(), info.latentChannels(), info.fp16()));
            BufferedImage init = c.has("strength") ? FakeModels.picture(width, height) : null;
            JsonNode rect = c.get("mask_rect");
            BufferedImage mask = rect == null ? null
                    : FakeModels.mask(width, height, rect.get(0).asInt(), rect.get(1).asInt(), rect.get(2).asInt(), rect.get(3).asInt());
            List<StepSnapshot> steps = new ArrayList<>();
            GenerationResult result = pipeline.generate(request, init, mask, steps::add, new CancellationToken());

            assertTokens(c, bundle, request, name);

            // The first UNet call, every input, batch [negative; prompt] when guided.
            JsonNode first = c.get("first_unet_inputs");
            assertEquals(c.get("unet_calls").asInt(), unet.calls, name + ": UNet calls");
            assertClose(first.get("sample"), unet.firstSample, name + ": first UNet sample");
            assertEquals(first.get("timestep").get("value").asDouble(), unet.firstTimestep, 1e-3, name + ": first timestep");
            assertClose(first.get("encoder_hidden_states"), unet.firstStates, name + ": encoder_hidden_states");
            List<String> extra = new ArrayList<>();
            first.fieldNames().forEachRemaining(f -> {
                if (!List.of("sample", "timestep", "encoder_hidden_states").contains(f)) extra.add(f);
            });
            assertEquals(extra.stream().sorted().toList(), unet.firstExtra.keySet().stream().sorted().toList(), name + ": extra UNet inputs");
            for (String f : extra) assertClose(first.get(f), unet.firstExtra.get(f), name + ": " + f);

            // The loop: the timesteps diffusers ran, the latents after each step.
            JsonNode ran = c.get("schedule").get("unet_timesteps");
            JsonNode after = c.get("latents_after_step");
            assertEquals(ran.size(), steps.size(), name + ": steps reported");
            for (int i = 0; i < steps.size(); i++) {
                assertEquals(ran.get(i).asDouble(), steps.get(i).timestep(), 1e-3, name + ": timestep " + i);
                assertClose(after.get(i), steps.get(i).latent(), name + ": latents after step " + (i + 1));
                if (c.has("denoised_after_step")) {
                    assertClose(c.get("denoised_after_step").get(i), steps.get(i).x0(), name + ": LCM denoised at step " + (i + 1));
                }
            }
            assertClose(c.get("final_latents"), result.finalLatent(), name + ": final latents");
            // diffusers returns the decoded picture; for inpainting the engine's is that picture inside
            // the mask over the original outside it, which the script composed the same way.
            String picture = c.has("composite_png_base64") ? "composite_png_base64" : "image_png_base64";
            assertPicture(c.get(picture).asText(), result.image(), name);
        }
    }

    /**
     * The folder the case ran on: tiny-sdxl or tiny-lcm, with the case's scheduler config (Turbo's
     * differs from the folder's), and for the "" negative prompt case force_zeros_for_empty_prompt
     * off: diffusers zeroes the negative embeddings only for a negative prompt of None, which is how
     * the engine reads an empty one when the model says so; with the flag off both encode "".
     */
    private Path bundleFor(JsonNode c) throws IOException {
        Path source = Path.of("testmodels", c.get("bundle").asText());
        Path copy = TestFolders.copy(source, temp.resolve(c.get("name").asText()).resolve(c.get("bundle").asText()));
        Files.writeString(copy.resolve("scheduler/scheduler_config.json"), JSON.writeValueAsString(c.get("scheduler").get("config")));
        if (c.path("negative_prompt").isTextual() && c.get("negative_prompt").asText().isEmpty()) {
            ObjectNode index = (ObjectNode) JSON.readTree(copy.resolve("model_index.json").toFile());
            index.put("force_zeros_for_empty_prompt", false);
            Files.writeString(copy.resolve("model_index.json"), JSON.writeValueAsString(index));
        }
        return copy;
    }

    /** The engine's tokenizers give the ids diffusers' pipeline sent to each encoder. */
    private static void assertTokens(JsonNode c, Path bundle, GenerationRequest request, String name) throws ModelException {
        for (String folder : new String[] {"tokenizer", "tokenizer_2"}) {
            JsonNode ids = c.get("token_ids").get(folder);
            if (ids == null) continue;
            try (ClipTokenizer tokenizer = ClipTokenizer.load(bundle.resolve(folder))) {
                assertArrayEquals(ints(ids.get("prompt")), tokenizer.tokenize(request.prompt(), 1).windows()[0], name + ": " + folder + " prompt ids");
                if (ids.has("negative_prompt")) {
                    assertArrayEquals(ints(ids.get("negative_prompt")), tokenizer.tokenize(request.negativePrompt(), 1).windows()[0],
                            name + ": " + folder + " negative prompt ids");
                }
            }
        }
    }

    /** The real UNet, remembering what its first call was given. */
    private static final class Recording implements DiffusionModels.Denoiser {
        private final DiffusionModels.Denoiser unet;
        int calls;
        Tensor firstSample, firstStates;
        double firstTimestep;
        Map<String, Tensor> firstExtra;

        Recording(DiffusionModels.Denoiser unet) {
            this.unet = unet;
        }

        @Override
        public Tensor predict(Tensor sample, double timestep, Tensor states) throws ModelException {
            return predict(sample, timestep, states, Map.of());
        }

        @Override
        public Tensor predict(Tensor sample, double timestep, Tensor states, Map<String, Tensor> extra) throws ModelException {
            if (calls++ == 0) {
                firstSample = sample;
                firstTimestep = timestep;
                firstStates = states;
                firstExtra = new LinkedHashMap<>(extra);
            }
            return unet.predict(sample, timestep, states, extra);
        }
    }

    /** Pictures equal to within one level (the ONNX graphs and torch differ by about 1e-6). */
    private static void assertPicture(String base64, BufferedImage actual, String name) throws IOException {
        BufferedImage expected = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(base64)));
        assertEquals(expected.getWidth(), actual.getWidth(), name + ": picture width");
        assertEquals(expected.getHeight(), actual.getHeight(), name + ": picture height");
        int off = 0;
        for (int y = 0; y < expected.getHeight(); y++) {
            for (int x = 0; x < expected.getWidth(); x++) {
                int e = expected.getRGB(x, y), a = actual.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    int d = Math.abs(((e >> shift) & 0xFF) - ((a >> shift) & 0xFF));
                    if (d > 1) fail(name + ": pixel (" + x + ", " + y + ") differs by " + d + " levels");
                    if (d == 1) off++;
                }
            }
        }
        assertTrue(off < expected.getWidth() * expected.getHeight() * 3 / 20, name + ": " + off + " channel values one level off");
    }

    /** |actual − expected| ≤ TOL·|expected| + TOL, element by element, shapes equal. */
    static void assertClose(JsonNode expected, Tensor actual, String what) {
        assertNotNull(actual, what + ": not given");
        int[] shape = ints(expected.get("shape"));
        assertArrayEquals(shape, actual.shape(), what + ": shape");
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(expected.get("f32").asText())).order(ByteOrder.LITTLE_ENDIAN);
        double[] values = new double[b.remaining() / 4];
        for (int i = 0; i < values.length; i++) values[i] = b.getFloat();
        StableDiffusionPipelineReferenceTest.assertWithin(values, actual.data(), TOL, what);
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }
}
