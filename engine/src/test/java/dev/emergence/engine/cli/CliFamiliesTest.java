package dev.emergence.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.image.PngMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SDXL and LCM models from the command line: the family shown by info, its defaults applied and
 * recorded when no flag says otherwise, img2img and inpainting, reproduction from the PNG, bench.
 */
class CliFamiliesTest {
    static final Path SDXL = Path.of("testmodels", "tiny-sdxl");
    static final Path LCM = Path.of("testmodels", "tiny-lcm");

    @TempDir
    Path dir;

    @Test
    void infoNamesTheFamilyAndWhatItRunsWith() {
        CliRun sdxl = CliRun.of("info", "--model", SDXL.toString());
        assertEquals(0, sdxl.code(), sdxl.err());
        assertTrue(sdxl.out().contains("Family:         SDXL, fp32"), sdxl.out());
        assertTrue(sdxl.out().contains("Runs with:      25 steps, CFG 5.0, its own scheduler"), sdxl.out());
        CliRun lcm = CliRun.of("info", "--model", LCM.toString());
        assertTrue(lcm.out().contains("Family:         LCM, fp32"), lcm.out());
        assertTrue(lcm.out().contains("Runs with:      4 steps, guidance 8.5, lcm scheduler"), lcm.out());
    }

    @Test
    void anSdxlPictureTakesTheFamilysDefaultsAndReproducesFromItsPng() throws Exception {
        Path out = dir.resolve("sdxl.png");
        CliRun r = CliRun.of("generate", "--model", SDXL.toString(), "--prompt", "a photo of a cat", "--seed", "3",
                "--out", out.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        String parameters = PngMetadata.read(out).get("parameters");
        assertTrue(parameters.contains("Steps: 25, Sampler: Euler, ") && parameters.contains("CFG scale: 5, Seed: 3, Size: 64x64"), parameters);

        Path again = dir.resolve("again.png");
        r = CliRun.of("generate", "--model", SDXL.toString(), "--from-png", out.toString(), "--out", again.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(CliTest.samePixels(ImageIO.read(out.toFile()), ImageIO.read(again.toFile())), "same picture from the PNG");

        Path img2img = dir.resolve("img2img.png"), inpaint = dir.resolve("inpaint.png");
        r = CliRun.of("generate", "--model", SDXL.toString(), "--prompt", "a cat", "--init", out.toString(), "--strength", "0.5",
                "--steps", "4", "--seed", "1", "--out", img2img.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        r = CliRun.of("generate", "--model", SDXL.toString(), "--prompt", "a cat", "--init", out.toString(), "--mask", img2img.toString(),
                "--steps", "4", "--seed", "1", "--out", inpaint.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        BufferedImage picture = ImageIO.read(inpaint.toFile());
        assertEquals(64, picture.getWidth());
    }

    @Test
    void anLcmPictureRunsFourStepsWithoutAnUnconditionalPassAndSaysTheNegativePromptIsIgnored() throws Exception {
        Path out = dir.resolve("lcm.png");
        CliRun r = CliRun.of("generate", "--model", LCM.toString(), "--prompt", "a portrait", "--negative", "ugly", "--seed", "9",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("step 4/4"), r.err());
        assertTrue(r.err().contains("notice: negative prompt ignored: an LCM model takes its guidance as an embedding"), r.err());
        String parameters = PngMetadata.read(out).get("parameters");
        assertTrue(parameters.contains("Steps: 4, Sampler: LCM, ") && parameters.contains("CFG scale: 8.5"), parameters);
    }

    @Test
    void anLcmModelDoesImg2imgAndInpaintingToo() throws Exception {
        Path txt = dir.resolve("lcm-txt.png"), img = dir.resolve("lcm-img.png"), inpaint = dir.resolve("lcm-inpaint.png");
        assertEquals(0, CliRun.of("generate", "--model", LCM.toString(), "--prompt", "a portrait", "--seed", "1", "--out", txt.toString(), "--quiet").code());
        CliRun r = CliRun.of("generate", "--model", LCM.toString(), "--prompt", "a portrait", "--init", txt.toString(), "--strength", "0.5",
                "--seed", "2", "--out", img.toString());
        assertEquals(0, r.code(), r.err());
        // diffusers' LCM img2img picks all its steps below the strength and runs every one.
        assertTrue(r.err().contains("step 4/4"), r.err());
        r = CliRun.of("generate", "--model", LCM.toString(), "--prompt", "a portrait", "--init", txt.toString(), "--mask", img.toString(),
                "--seed", "2", "--out", inpaint.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void anSdTurboModelRunsOneUnguidedStepByDefault() throws Exception {
        // tiny-sd2-v (SD 2.x text width) with SD-Turbo's kind of scheduler config: Euler, trailing timesteps.
        Path turbo = dev.emergence.engine.TestFolders.copy(Path.of("testmodels", "tiny-sd2-v"), dir.resolve("tiny-sd-turbo"));
        Path config = turbo.resolve("scheduler/scheduler_config.json");
        ObjectMapper json = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode c = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(config.toFile());
        c.put("_class_name", "EulerDiscreteScheduler");
        c.put("timestep_spacing", "trailing");
        java.nio.file.Files.writeString(config, json.writeValueAsString(c));
        Path out = dir.resolve("turbo.png");
        CliRun r = CliRun.of("generate", "--model", turbo.toString(), "--prompt", "a cat", "--negative", "dog", "--seed", "4", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("(SD-Turbo)") && r.err().contains("step 1/1"), r.err());
        assertTrue(r.err().contains("notice: negative prompt ignored: CFG 0.0 runs no unconditional pass"), r.err());
        String parameters = PngMetadata.read(out).get("parameters");
        assertTrue(parameters.contains("Steps: 1, Sampler: Euler, ") && parameters.contains("CFG scale: 0"), parameters);
    }

    @Test
    void clipSkipConditionsSdxlOnAnEarlierLayerIsRecordedAndIsNamedIgnoredElsewhere() throws Exception {
        Path plain = dir.resolve("plain.png"), skipped = dir.resolve("skip.png"), again = dir.resolve("skip-again.png");
        String[] common = {"--prompt", "a photo of a cat", "--seed", "8", "--steps", "3", "--quiet"};
        assertEquals(0, CliRun.of(concat(new String[] {"generate", "--model", SDXL.toString(), "--out", plain.toString()}, common)).code());
        CliRun r = CliRun.of(concat(new String[] {"generate", "--model", SDXL.toString(), "--clip-skip", "2", "--out", skipped.toString()}, common));
        assertEquals(0, r.code(), r.err());
        assertTrue(!r.err().contains("clip skip"), r.err());
        assertTrue(PngMetadata.read(skipped).get("parameters").contains("Clip skip: 2"), "written as AUTOMATIC1111 writes it");
        assertTrue(!CliTest.samePixels(ImageIO.read(plain.toFile()), ImageIO.read(skipped.toFile())), "an earlier layer, another picture");
        r = CliRun.of("generate", "--model", SDXL.toString(), "--from-png", skipped.toString(), "--out", again.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(CliTest.samePixels(ImageIO.read(skipped.toFile()), ImageIO.read(again.toFile())), "reproduced with its Clip skip");

        r = CliRun.of("generate", "--model", CliTest.TINY.toString(), "--prompt", "a cat", "--clip-skip", "2", "--steps", "2",
                "--out", dir.resolve("sd.png").toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("notice: clip skip 2 ignored: this model's ONNX text encoder gives only its last layer"), r.err());
        r = CliRun.of("generate", "--model", SDXL.toString(), "--prompt", "a cat", "--clip-skip", "13", "--out", dir.resolve("x.png").toString());
        assertEquals(4, r.code(), r.err());
        assertEquals("error: clip skip: 13 is out of range; expected 1 to 12", r.err().strip(), "one line, before the model loads");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void benchRunsOnEachFamily() throws Exception {
        for (Path model : new Path[] {SDXL, LCM}) {
            CliRun r = CliRun.of("bench", "--model", model.toString(), "--steps", "2", "--repeats", "1", "--json");
            assertEquals(0, r.code(), r.err());
            JsonNode json = new ObjectMapper().readTree(r.out());
            assertEquals(2, json.get("steps").asInt(), r.out());
            assertTrue(json.get("step_overhead_ratio").asDouble() > 0, r.out());
            assertTrue(json.get("raw_unet_run_median_ms").asDouble() > 0, r.out());
        }
    }

    /**
     * The overhead is paired step by step (a bare run after each engine step), reported as the median
     * ratio between its quartiles; the VAE encoder is timed where the model has one; the peak resident
     * memory is given where the system reports it.
     */
    @Test
    void benchReportsThePairedRatioWithItsSpreadTheEncoderAndPeakMemory() throws Exception {
        CliRun r = CliRun.of("bench", "--model", Path.of("testmodels", "tiny-sd").toString(), "--steps", "5", "--repeats", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        double p25 = json.get("step_overhead_ratio_p25").asDouble(), median = json.get("step_overhead_ratio").asDouble(),
                p75 = json.get("step_overhead_ratio_p75").asDouble();
        assertTrue(0 < p25 && p25 <= median && median <= p75, r.out());
        assertTrue(json.get("vae_encode_ms").asDouble() > 0, r.out());
        if (java.nio.file.Files.isReadable(Path.of("/proc/self/status"))) {
            assertTrue(json.get("peak_rss_mib").asLong() > 0, r.out());
            long txt2img = json.get("peak_rss_txt2img_mib").asLong();
            assertTrue(txt2img > 0 && txt2img <= json.get("peak_rss_mib").asLong(), r.out());
        }
        CliRun noEncoder = CliRun.of("bench", "--model", Path.of("testmodels", "tiny-sd-batch1").toString(), "--steps", "2",
                "--repeats", "1", "--json");
        assertEquals(0, noEncoder.code(), noEncoder.err());
        assertTrue(new ObjectMapper().readTree(noEncoder.out()).get("vae_encode_ms") == null, noEncoder.out());
    }

    /**
     * --release-one-shot closes the text encoder and VAE while the UNet runs: bench counts the sessions the
     * timed generation opened again (the text encoder and the VAE decoder); a tiny model keeps them by default.
     */
    @Test
    void benchSaysWhetherTheOneShotSessionsAreReleasedAndWhatOpeningThemAgainCost() throws Exception {
        String model = Path.of("testmodels", "tiny-sd").toString();
        CliRun released = CliRun.of("bench", "--model", model, "--steps", "2", "--repeats", "1", "--json", "--release-one-shot");
        assertEquals(0, released.code(), released.err());
        JsonNode json = new ObjectMapper().readTree(released.out());
        assertTrue(json.get("release_one_shot").asBoolean(), released.out());
        assertEquals(2, json.get("one_shot_reopens").asInt(), released.out());
        assertTrue(json.get("one_shot_reopen_ms").asDouble() > 0, released.out());
        if (json.has("peak_rss_cached_txt2img_mib")) {
            assertTrue(json.get("peak_rss_cached_txt2img_mib").asLong() <= json.get("peak_rss_txt2img_mib").asLong(), released.out());
        }
        CliRun kept = CliRun.of("bench", "--model", model, "--steps", "2", "--repeats", "1", "--json");
        assertEquals(0, kept.code(), kept.err());
        JsonNode keptJson = new ObjectMapper().readTree(kept.out());
        assertFalse(keptJson.get("release_one_shot").asBoolean(), kept.out());
        assertEquals(0, keptJson.get("one_shot_reopens").asInt(), kept.out());
    }
}
