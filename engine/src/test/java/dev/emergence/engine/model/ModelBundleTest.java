package dev.emergence.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.emergence.engine.model.TestModels.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What ModelBundle reports about each fixture, checked against the configuration the generator script wrote it with. */
class ModelBundleTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-sd", "tiny-sd-inpaint", "tiny-sd-fp16", "tiny-sd2-v", "tiny-sd-batch1"})
    void infoMatchesWhatTheScriptWrote(String name) throws Exception {
        JsonNode expected = TestModels.reference(name).get("info");
        try (ModelBundle bundle = ModelBundle.open(TestModels.bundle(name), TestModels.CPU)) {
            ModelInfo info = bundle.info();
            assertEquals(name, info.name());
            assertEquals(TestModels.bundle(name).toAbsolutePath().normalize().toString(), info.folder());
            assertEquals(expected.get("family").asText(), info.family());
            assertEquals(expected.get("inpainting").asBoolean(), info.inpainting());
            assertEquals(expected.get("unetInChannels").asInt(), info.unetInChannels());
            assertEquals(expected.get("latentChannels").asInt(), info.latentChannels());
            assertEquals(expected.get("textWidth").asInt(), info.textWidth());
            assertEquals(expected.get("textLength").asInt(), info.textLength());
            assertEquals(expected.get("predictionType").asText(), info.predictionType());
            assertEquals(expected.get("vaeScaleFactor").asInt(), info.vaeScaleFactor());
            assertEquals(expected.get("latentScalingFactor").asDouble(), info.latentScalingFactor(), 0.0);
            assertEquals(expected.get("nativeSampleSize").asInt(), info.nativeSampleSize());
            assertEquals(expected.get("fp16").asBoolean(), info.fp16());
            assertEquals(expected.get("timestepType").asText(), info.timestepType().label());
            assertEquals(expected.get("unetBatchFixed").asBoolean(), info.unetBatchFixed());
            assertEquals(expected.get("hasImageEncoder").asBoolean(), info.hasImageEncoder());
            assertEquals(expected.get("hasPreviewDecoder").asBoolean(), info.hasPreviewDecoder());
            assertEquals(bundle.folder().resolve("tokenizer"), bundle.tokenizerDir());
            assertTrue(Files.isRegularFile(bundle.schedulerConfigFile()));
        }
    }

    @Test
    void sizeOnDiskCountsEveryFile() throws Exception {
        try (ModelBundle bundle = ModelBundle.open(TestModels.bundle("tiny-sd"), TestModels.CPU)) {
            // the UNet's graph and its external weights alone are over 250 KB; the README promises under 1 MB a bundle
            long unet = Files.size(bundle.folder().resolve("unet/model.onnx")) + Files.size(bundle.folder().resolve("unet/weights.pb"));
            long size = bundle.info().sizeOnDiskBytes();
            assertTrue(size > unet + Files.size(bundle.folder().resolve("text_encoder/model.onnx")), "size " + size);
            assertTrue(size < 1 << 20, "size " + size);
        }
    }

    @Test
    void nativeSizeComesFromTheRuleThatApplies() throws Exception {
        assertNativeSize("tiny-sd", 64, "vae_decoder/config.json");
        assertNativeSize("tiny-sd-inpaint", 64, "unet/config.json");
        assertNativeSize("tiny-sd-batch1", 64, "the UNet's fixed input shape");
    }

    private static void assertNativeSize(String name, int size, String source) throws ModelException {
        try (ModelBundle bundle = ModelBundle.open(TestModels.bundle(name), TestModels.CPU)) {
            assertEquals(size, bundle.info().nativeSampleSize());
            assertEquals(source, bundle.info().nativeSampleSizeSource());
        }
    }

    @Test
    void withoutConfigsTheDiffusersDefaultsApply(@TempDir Path temp) throws Exception {
        // diffusers' defaults: factor 8, scaling 0.18215, and 512 px, or 768 px for SD 2.x v-prediction (768-v)
        Path sd2 = TestModels.copyBundle("tiny-sd2-v", temp);
        Files.delete(sd2.resolve("vae_decoder/config.json"));
        Files.delete(sd2.resolve("vae_encoder/config.json"));
        try (ModelBundle bundle = ModelBundle.open(sd2, TestModels.CPU)) {
            assertEquals(768, bundle.info().nativeSampleSize());
            assertEquals(8, bundle.info().vaeScaleFactor());
            assertEquals(0.18215, bundle.info().latentScalingFactor(), 0.0);
            assertEquals(4, bundle.info().latentChannels());
        }
        Path sd1 = TestModels.copyBundle("tiny-sd", temp);
        Files.delete(sd1.resolve("vae_decoder/config.json"));
        try (ModelBundle bundle = ModelBundle.open(sd1, TestModels.CPU)) {
            assertEquals(512, bundle.info().nativeSampleSize());
            assertEquals("default", bundle.info().nativeSampleSizeSource());
        }
    }

    @Test
    void vaeConfigIsAlsoReadFromVaeFolder(@TempDir Path temp) throws Exception {
        Path copy = TestModels.copyBundle("tiny-sd", temp);
        Files.createDirectories(copy.resolve("vae"));
        String config = Files.readString(copy.resolve("vae_decoder/config.json"))
                .replace("\"sample_size\": 64", "\"sample_size\": 128")
                .replace("\"scaling_factor\": 0.18215", "\"scaling_factor\": 0.13025")
                .replace("\"block_out_channels\": [\n    16,", "\"block_out_channels\": [\n");
        Files.writeString(copy.resolve("vae/config.json"), config);
        Files.delete(copy.resolve("vae_decoder/config.json"));
        try (ModelBundle bundle = ModelBundle.open(copy, TestModels.CPU)) {
            assertEquals(128, bundle.info().nativeSampleSize());
            assertEquals("vae/config.json", bundle.info().nativeSampleSizeSource());
            assertEquals(0.13025, bundle.info().latentScalingFactor(), 0.0);
            // three block_out_channels: 2^(3-1)
            assertEquals(4, bundle.info().vaeScaleFactor());
        }
    }

    @Test
    void inpaintingChannelsAreFoundByProbingWhenNothingDeclaresThem(@TempDir Path temp) throws Exception {
        // diffusers' converter marks the channel axis dynamic and writes no unet/config.json
        Path copy = TestModels.copyBundle("tiny-sd-inpaint", temp);
        Files.delete(copy.resolve("unet/config.json"));
        try (ModelBundle bundle = ModelBundle.open(copy, TestModels.CPU)) {
            assertEquals(9, bundle.info().unetInChannels());
            assertTrue(bundle.info().inpainting());
            ModelException e = org.junit.jupiter.api.Assertions.assertThrows(ModelException.class,
                    () -> bundle.denoiser().predict(pattern("sample", 1, 4, 8, 8), 1, pattern("text", 1, 77, 768)));
            assertEquals("tiny-sd-inpaint/unet/model.onnx: takes 9-channel latents (an inpainting model: latents, mask and "
                    + "masked-image latents), got 4", e.getMessage());
        }
    }

    @Test
    void infoSerialisesToJsonAndSummarises() throws Exception {
        try (ModelBundle bundle = ModelBundle.open(TestModels.bundle("tiny-sd-fp16"), TestModels.CPU)) {
            JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(bundle.info()));
            assertEquals("tiny-sd-fp16", json.get("name").asText());
            assertEquals("float16", json.get("timestepType").asText());
            assertEquals(768, json.get("textWidth").asInt());
            assertTrue(json.get("fp16").asBoolean());
            assertEquals(20, json.size(), "one JSON field per record component: " + json);

            String summary = bundle.info().summary();
            assertTrue(summary.contains("SD 1.x, fp16"), summary);
            assertTrue(summary.contains("64x64 px (vae_decoder/config.json)"), summary);
            assertTrue(summary.contains("timestep float16"), summary);
            assertTrue(summary.contains("77 tokens x 768"), summary);
            assertTrue(summary.contains("Generates:      txt2img, img2img, inpainting (by blending)"), summary);
            assertTrue(summary.contains("Runs with:      20 steps, CFG 7.5, its own scheduler (the family's defaults)"), summary);
            assertTrue(summary.contains("Precision:      fp16: meant for a GPU"), summary);
            assertEquals(13, summary.lines().count(), summary);
        }
    }

    @Test
    void fp16ExportStaysCloseToTheFloat32RunOfTheSameWeights() throws Exception {
        // tiny-sd-fp16 is tiny-sd's weights exported in float16 (see make_test_models.py)
        try (ModelBundle fp32 = ModelBundle.open(TestModels.bundle("tiny-sd"), TestModels.CPU);
             ModelBundle fp16 = ModelBundle.open(TestModels.bundle("tiny-sd-fp16"), TestModels.CPU)) {
            JsonNode prompts = TestModels.reference("tiny-sd").get("tokenizer").get("prompts");
            int[][] ids = {TestModels.ints(prompts.get(2).get("ids")), TestModels.ints(prompts.get(3).get("ids"))};
            Tensor text32 = fp32.textEncoder().encode(ids);
            Tensor text16 = fp16.textEncoder().encode(ids);
            TestModels.assertFinite(text16, "fp16 text");
            // float16 keeps a relative precision of 2^-11; LayerNorm outputs reach about 3
            assertTrue(TestModels.maxAbsDiff(text32, text16) < 1e-2, "text " + TestModels.maxAbsDiff(text32, text16));

            Tensor sample = pattern("sample", 2, 4, 16, 8);
            Tensor eps32 = fp32.denoiser().predict(sample, 351, text32);
            Tensor eps16 = fp16.denoiser().predict(sample, 351, text32);
            TestModels.assertFinite(eps16, "fp16 prediction");
            assertTrue(TestModels.maxAbsDiff(eps32, eps16) < 5e-3, "unet " + TestModels.maxAbsDiff(eps32, eps16));

            Tensor image32 = fp32.vaeDecoder().decode(eps32.batchItem(0).scale(0.18215f));
            Tensor image16 = fp16.vaeDecoder().decode(eps32.batchItem(0).scale(0.18215f));
            assertTrue(TestModels.maxAbsDiff(image32, image16) < 5e-3, "vae " + TestModels.maxAbsDiff(image32, image16));
        }
    }

    @Test
    void fixedBatchUnetRunsABatchOfTwoLikeTheDynamicOne() throws Exception {
        // tiny-sd-batch1 is tiny-sd's weights with a static [1, 4, 8, 8] sample (see make_test_models.py)
        try (ModelBundle dynamic = ModelBundle.open(TestModels.bundle("tiny-sd"), TestModels.CPU);
             ModelBundle fixed = ModelBundle.open(TestModels.bundle("tiny-sd-batch1"), TestModels.CPU)) {
            // distinct items, so a mix-up of the halves would show
            Tensor sample = pattern("sample", 2, 4, 8, 8);
            Tensor text = pattern("text", 2, 77, 768);

            Tensor both = dynamic.denoiser().predict(sample, 901, text);
            Tensor pieces = fixed.denoiser().predict(sample, 901, text);

            assertEquals(both.toString(), pieces.toString());
            assertTrue(TestModels.maxAbsDiff(both, pieces) < 1e-6, "difference " + TestModels.maxAbsDiff(both, pieces));
            assertTrue(TestModels.maxAbsDiff(both.batchItem(0), both.batchItem(1)) > 0.1, "the two items differ");
        }
    }

    @Test
    void devicesReportCpuWhenCpuIsAskedFor() throws Exception {
        try (ModelBundle bundle = ModelBundle.open(TestModels.bundle("tiny-sd"), ExecutionOptions.cpu(1))) {
            assertEquals("cpu", bundle.device().device());
            assertEquals("CPU requested", bundle.device().reason());
        }
    }
}
