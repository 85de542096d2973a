package dev.emergence.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.image.PngMetadata;
import dev.emergence.engine.pipeline.GenerationPng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.emergence.engine.cli.CliHostileInputTest.NO_MODEL;
import static dev.emergence.engine.cli.CliHostileInputTest.assertOneLineError;
import static dev.emergence.engine.cli.CliTest.TINY;
import static dev.emergence.engine.cli.CliTest.samePixels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --schedule on the commands that take a sampler, and what generate writes and reads of it. */
class ScheduleCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    /**
     * The schedule command against diffusers: the runs of reference/schedulers/schedule_types.json
     * (made by engine/tools/reference/make_scheduler_refs.py with diffusers' own scheduler classes).
     */
    @Test
    void scheduleCommandMatchesDiffusers() throws Exception {
        JsonNode runs = reference().get("runs");
        for (String[] c : List.of(new String[] {"euler", "karras", "euler-karras-15"},
                new String[] {"lms", "exponential", "lms-exponential-15"},
                new String[] {"euler_a", "sgm_uniform", "euler_a-sgm_uniform-15"},
                new String[] {"dpmpp_2m", "karras", "dpmpp_2m-karras-15"},
                new String[] {"dpmpp_2m_karras", null, "dpmpp_2m-karras-15"})) {
            CliRun r = c[1] == null ? CliRun.of("schedule", "--scheduler", c[0], "--steps", "15")
                    : CliRun.of("schedule", "--scheduler", c[0], "--schedule", c[1], "--steps", "15");
            assertEquals(0, r.code(), r.err());
            JsonNode out = JSON.readTree(r.out());
            JsonNode expected = null;
            for (JsonNode run : runs) if (run.get("name").asText().equals(c[2])) expected = run;
            assertNotNull(expected, c[2]);
            assertClose(expected.get("timesteps"), out.get("timesteps"), c[2] + " timesteps");
            assertClose(expected.get("sigmas"), out.get("sigmas"), c[2] + " sigmas");
        }
    }

    @Test
    void aScheduleTheSamplerLacksIsRefusedInOneLine() {
        assertOneLineError(4, "schedule: karras cannot be used: the DDIM scheduler steps its own timesteps and takes no schedule type;"
                + " expected automatic", "schedule", "--scheduler", "ddim", "--schedule", "karras", "--steps", "4");
        assertOneLineError(4, "schedule: 'beta' is unknown; expected one of automatic, uniform, karras, exponential, sgm_uniform",
                "schedule", "--scheduler", "euler", "--schedule", "beta", "--steps", "4");
        // generate refuses before it loads a model
        assertOneLineError(4, "the Euler a scheduler has no Karras schedule; expected automatic, uniform or sgm_uniform",
                "generate", "--model", NO_MODEL, "--prompt", "x", "--scheduler", "euler_a", "--schedule", "karras",
                "--out", dir.resolve("no.png").toString());
        assertOneLineError(4, "the DPM++ 2M Karras scheduler has no Uniform schedule; expected automatic or karras",
                "generate", "--model", NO_MODEL, "--prompt", "x", "--scheduler", "dpmpp_2m_karras", "--schedule", "uniform",
                "--out", dir.resolve("no.png").toString());
    }

    /**
     * The old name runs DPM++ 2M with Karras sigmas and is written as AUTOMATIC1111 1.9+ writes
     * that pair (modules/processing.py create_infotext: "Sampler: DPM++ 2M, Schedule type: Karras").
     */
    @Test
    void theOldKarrasNameIsDpm2mWithTheKarrasSchedule() throws Exception {
        Path old = generate("old.png", "--scheduler", "dpmpp_2m_karras");
        Path pair = generate("pair.png", "--scheduler", "dpmpp_2m", "--schedule", "karras");
        Path uniform = generate("uniform.png", "--scheduler", "dpmpp_2m", "--schedule", "uniform");
        assertTrue(samePixels(ImageIO.read(old.toFile()), ImageIO.read(pair.toFile())));
        assertFalse(samePixels(ImageIO.read(old.toFile()), ImageIO.read(uniform.toFile())), "the schedule type is applied");

        Map<String, String> text = PngMetadata.read(old);
        assertTrue(text.get("parameters").contains("Steps: 3, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7,"), text.get("parameters"));
        JsonNode req = JSON.readTree(text.get(GenerationPng.REQUEST_KEY));
        assertEquals("DPMPP_2M", req.get("scheduler").asText());
        assertEquals("KARRAS", req.get("schedule").asText());
        assertTrue(PngMetadata.read(uniform).get("parameters").contains("Sampler: DPM++ 2M, Schedule type: Uniform,"));
    }

    /**
     * A picture of AUTOMATIC1111's without a Schedule type (1.8 and before) is read as 1.9+ reads
     * it: "DPM++ 2M" has Karras as its default; what the engine cannot apply is named in one notice.
     */
    @Test
    void fromPngOfAnotherToolNamesWhatItIgnores() throws Exception {
        Path a1111 = dir.resolve("a1111.png");
        PngMetadata.write(a1111, new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), Map.of(GenerationPng.PARAMETERS_KEY,
                "a red circle <lora:circles:0.8>\nNegative prompt: blurry\n"
                        + "Steps: 3, Sampler: DPM++ 2M, CFG scale: 7, Seed: 5, Size: 64x64, Model hash: 6ce0161689, Model: other,"
                        + " Clip skip: 2, Variation seed: 9, Variation seed strength: 0.3, Version: v1.10.1"));
        Path out = dir.resolve("from-a1111.png");
        CliRun r = CliRun.of("generate", "--model", TINY.toString(), "--from-png", a1111.toString(), "--out", out.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        List<String> notices = r.err().lines().filter(l -> l.startsWith("notice:")).toList();
        // Clip skip is carried in the request; an SD 1.x model's ONNX text encoder cannot honour it, as the run says.
        assertEquals(3, notices.size(), r.err());
        assertEquals("notice: a1111.png: ignored what the engine cannot apply: Model, Model hash, Variation seed,"
                + " Variation seed strength", notices.get(0));
        // the LoRA tag stays in the prompt; the library has no such LoRA, so it is named as missing
        assertTrue(notices.get(1).startsWith("notice: LoRA 'circles' (<lora:circles:0.8> in the prompt) is not in the loras folder "), notices.get(1));
        assertEquals("notice: clip skip 2 ignored: this model's ONNX text encoder gives only its last layer (SDXL models take it)", notices.get(2));
        JsonNode req = JSON.readTree(PngMetadata.read(out).get(GenerationPng.REQUEST_KEY));
        assertEquals("DPMPP_2M", req.get("scheduler").asText());
        assertEquals("KARRAS", req.get("schedule").asText());
        assertEquals("a red circle <lora:circles:0.8>", req.get("prompt").asText()); // kept, as AUTOMATIC1111 keeps it

        // --schedule overrides the picture's; --scheduler alone starts from automatic
        Path uniform = dir.resolve("from-a1111-uniform.png");
        assertEquals(0, CliRun.of("generate", "--model", TINY.toString(), "--from-png", a1111.toString(), "--schedule", "uniform",
                "--out", uniform.toString(), "--quiet").code());
        assertEquals("UNIFORM", JSON.readTree(PngMetadata.read(uniform).get(GenerationPng.REQUEST_KEY)).get("schedule").asText());
    }

    /**
     * An image-to-image picture of AUTOMATIC1111's (a Denoising strength without Hires fix entries:
     * modules/processing.py writes one for img2img, and for txt2img only with the Hires fix) read
     * without --init makes a picture from text: the notice names the strength it leaves unused.
     */
    @Test
    void fromPngOfAnImg2imgPictureWithoutInitNamesTheStrength() throws Exception {
        Path a1111 = dir.resolve("a1111-img2img.png");
        PngMetadata.write(a1111, new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), Map.of(GenerationPng.PARAMETERS_KEY,
                "a red circle\nSteps: 3, Sampler: Euler, Schedule type: Karras, CFG scale: 7, Seed: 5, Size: 64x64,"
                        + " Denoising strength: 0.45, Mask blur: 4"));
        Path out = dir.resolve("from-a1111-img2img.png");
        CliRun r = CliRun.of("generate", "--model", TINY.toString(), "--from-png", a1111.toString(), "--out", out.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("notice: a1111-img2img.png: ignored what the engine cannot apply: Mask blur,"
                        + " Denoising strength (it applies to an init picture; give --init IMG to use it)"),
                r.err().lines().filter(l -> l.startsWith("notice:")).toList(), r.err());
        JsonNode req = JSON.readTree(PngMetadata.read(out).get(GenerationPng.REQUEST_KEY));
        assertEquals("EULER", req.get("scheduler").asText());
        assertEquals("KARRAS", req.get("schedule").asText());
        assertFalse(PngMetadata.read(out).get(GenerationPng.PARAMETERS_KEY).contains("Denoising strength"), "made from text");
    }

    private static Path generate(String name, String... more) {
        Path out = dir.resolve(name);
        String[] base = {"generate", "--model", TINY.toString(), "--prompt", "a red circle", "--steps", "3", "--cfg", "7",
                "--seed", "11", "--width", "64", "--height", "64", "--out", out.toString(), "--quiet"};
        String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        CliRun r = CliRun.of(args);
        assertEquals(0, r.code(), r.err());
        return out;
    }

    private static JsonNode reference() throws IOException {
        try (InputStream in = ScheduleCliTest.class.getResourceAsStream("/reference/schedulers/schedule_types.json")) {
            assertNotNull(in);
            return JSON.readTree(in);
        }
    }

    private static void assertClose(JsonNode expected, JsonNode actual, String what) {
        assertEquals(expected.size(), actual.size(), what + " length");
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.get(i).asDouble(), a = actual.get(i).asDouble();
            assertTrue(Math.abs(a - e) <= 1e-4 * Math.abs(e) + 1e-6, what + "[" + i + "]: expected " + e + ", got " + a);
        }
    }
}
