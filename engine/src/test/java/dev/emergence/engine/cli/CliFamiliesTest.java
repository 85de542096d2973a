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
}
