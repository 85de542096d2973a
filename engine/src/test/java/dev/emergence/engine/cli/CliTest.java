package dev.emergence.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.image.PngMetadata;
import dev.emergence.engine.random.TorchGenerator;
import dev.emergence.engine.tensor.Npy;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line end to end on the tiny test models: outputs, metadata, reproduction and exit codes. */
class CliTest {
    static final Path TINY = Path.of("testmodels", "tiny-sd");
    static final Path TINY_INPAINT = Path.of("testmodels", "tiny-sd-inpaint");

    @TempDir
    static Path dir;

    static CliRun cli(String... args) {
        return CliRun.of(args);
    }

    static Path txt2img;

    @BeforeAll
    static void generateOnce() {
        txt2img = dir.resolve("txt2img.png");
        CliRun r = cli("generate", "--model", TINY.toString(), "--prompt", "a red circle on a blue background",
                "--negative", "blurry", "--steps", "5", "--cfg", "6", "--seed", "42", "--scheduler", "euler_a",
                "--width", "128", "--height", "64", "--out", txt2img.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void txt2imgWritesPngWithA1111ParametersAndRequest() throws Exception {
        BufferedImage img = ImageIO.read(txt2img.toFile());
        assertEquals(128, img.getWidth());
        assertEquals(64, img.getHeight());
        Map<String, String> text = PngMetadata.read(txt2img);
        // AUTOMATIC1111's infotext layout (modules/processing.py create_infotext), with the schedule
        // type the model's config gave (SD 1.5's: evenly spaced) named as AUTOMATIC1111 names it.
        assertEquals("a red circle on a blue background\nNegative prompt: blurry\n"
                + "Steps: 5, Sampler: Euler a, Schedule type: Uniform, CFG scale: 6, Seed: 42, Size: 128x64, Model: tiny-sd",
                text.get("parameters"));
        JsonNode req = new ObjectMapper().readTree(text.get("emergence-request"));
        assertEquals(42, req.get("seed").asLong());
        assertEquals("EULER_ANCESTRAL", req.get("scheduler").asText());
        assertEquals("UNIFORM", req.get("schedule").asText());
    }

    @Test
    void fromPngReproducesThePictureExactly() throws Exception {
        Path again = dir.resolve("again.png");
        CliRun r = cli("generate", "--model", TINY.toString(), "--from-png", txt2img.toString(), "--out", again.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(samePixels(ImageIO.read(txt2img.toFile()), ImageIO.read(again.toFile())));
        Path otherSeed = dir.resolve("other-seed.png");
        r = cli("generate", "--model", TINY.toString(), "--from-png", txt2img.toString(), "--seed", "43", "--out", otherSeed.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertFalse(samePixels(ImageIO.read(txt2img.toFile()), ImageIO.read(otherSeed.toFile())));
    }

    @Test
    void randomSeedIsPrintedAndRecorded() throws Exception {
        Path out = dir.resolve("random.png");
        CliRun r = cli("generate", "--model", TINY.toString(), "--prompt", "a star", "--steps", "2", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        String seed = r.err().lines().filter(l -> l.startsWith("seed ")).findFirst().orElseThrow().substring(5);
        assertTrue(PngMetadata.read(out).get("parameters").contains("Seed: " + seed + ","));
    }

    @Test
    void img2imgAndInpaintingWithBothKindsOfModel() throws Exception {
        Path init = dir.resolve("sketch.png");
        BufferedImage sketch = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sketch.createGraphics();
        g.setColor(Color.BLUE);
        g.fillRect(0, 0, 64, 64);
        g.setColor(Color.RED);
        g.fillOval(16, 16, 32, 32);
        g.dispose();
        ImageIO.write(sketch, "png", init.toFile());
        Path mask = dir.resolve("mask.png");
        BufferedImage m = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        g = m.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 32, 64);
        g.dispose();
        ImageIO.write(m, "png", mask.toFile());

        Path img2img = dir.resolve("img2img.png");
        CliRun r = cli("generate", "--model", TINY.toString(), "--prompt", "a red circle", "--init", init.toString(),
                "--strength", "0.6", "--steps", "10", "--seed", "3", "--out", img2img.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(PngMetadata.read(img2img).get("parameters").contains("Denoising strength: 0.6"));

        for (Path model : new Path[] {TINY, TINY_INPAINT}) {
            Path out = dir.resolve("inpaint-" + model.getFileName() + ".png");
            r = cli("generate", "--model", model.toString(), "--prompt", "a yellow star", "--init", init.toString(),
                    "--mask", mask.toString(), "--steps", "4", "--seed", "5", "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            BufferedImage result = ImageIO.read(out.toFile());
            // Outside the mask (right half) the original's pixels, exactly.
            for (int y = 0; y < 64; y++) {
                for (int x = 32; x < 64; x++) {
                    assertEquals(sketch.getRGB(x, y), result.getRGB(x, y), model + " at " + x + "," + y);
                }
            }
        }
    }

    @Test
    void saveStepsWritesEveryStep() throws Exception {
        Path steps = dir.resolve("steps");
        CliRun r = cli("generate", "--model", TINY.toString(), "--prompt", "a heart", "--steps", "3", "--scheduler", "ddim",
                "--seed", "1", "--save-steps", steps.toString(), "--out", dir.resolve("s.png").toString());
        assertEquals(0, r.code(), r.err());
        for (int i = 1; i <= 3; i++) {
            for (String suffix : new String[] {"_latent.npy", "_latent.png", "_x0.png"}) {
                assertTrue(Files.isRegularFile(steps.resolve(String.format("step_%03d%s", i, suffix))), "step " + i + suffix);
            }
        }
        Tensor latent = Npy.read(steps.resolve("step_003_latent.npy"));
        assertArrayEquals(new int[] {1, 4, 8, 8}, latent.shape());
    }

    @Test
    void noiseMatchesTheGenerator() throws Exception {
        Path out = dir.resolve("noise.npy");
        CliRun r = cli("noise", "--seed", "42", "--shape", "1,4,8,8", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Tensor t = Npy.read(out);
        assertArrayEquals(new TorchGenerator(42).randn(1, 4, 8, 8).data(), t.data());
        // torch.randn(1, generator=torch.Generator("cpu").manual_seed(42)) == 0.3367 (torch 1.13 and 2.x).
        cli("noise", "--seed", "42", "--shape", "1", "--out", out.toString());
        assertEquals(0.3367, Npy.read(out).data()[0], 1e-4);
    }

    @Test
    void scheduleMatchesDiffusers() throws Exception {
        CliRun r = cli("schedule", "--scheduler", "pndm", "--steps", "4");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        // diffusers PNDMScheduler, SD 1.5 config, set_timesteps(4): [751, 501, 501, 251, 1].
        assertEquals("[751.0,501.0,501.0,251.0,1.0]", json.get("timesteps").toString());
        assertEquals(0, json.get("sigmas").size());
    }

    @Test
    void tokenizePrintsTheFirstWindow() throws Exception {
        Path clip = Path.of("..", "..", "shared", "data", "clip-bpe");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(clip), "../shared/data/clip-bpe is absent: CLIP's vocabulary is needed");
        CliRun r = cli("tokenize", "--tokenizer", clip.toString(), "a photo of a cat");
        assertEquals(0, r.code(), r.err());
        JsonNode ids = new ObjectMapper().readTree(r.out());
        assertEquals(77, ids.size());
        // The ids of "a photo of a cat" under CLIP's vocabulary, padded with <|endoftext|> (SD 1.x).
        int[] expected = new int[77];
        java.util.Arrays.fill(expected, 49407);
        System.arraycopy(new int[] {49406, 320, 1125, 539, 320, 2368, 49407}, 0, expected, 0, 7);
        int[] actual = new int[77];
        for (int i = 0; i < 77; i++) actual[i] = ids.get(i).asInt();
        assertArrayEquals(expected, actual);
    }

    @Test
    void tokenizeReadsTheAttentionSyntaxAndPrintsTheWeights() throws Exception {
        Path clip = Path.of("..", "..", "shared", "data", "clip-bpe");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(clip), "../shared/data/clip-bpe is absent: CLIP's vocabulary is needed");
        // The same ids as "a photo of a cat" (tokenizePrintsTheFirstWindow), "photo" weighted 1.3.
        CliRun r = cli("tokenize", "--tokenizer", clip.toString(), "a (photo:1.3) of a cat");
        assertEquals(0, r.code(), r.err());
        JsonNode ids = new ObjectMapper().readTree(r.out());
        int[] head = {49406, 320, 1125, 539, 320, 2368, 49407};
        for (int i = 0; i < head.length; i++) assertEquals(head[i], ids.get(i).asInt(), "id " + i);
        String weights = r.err().lines().filter(l -> l.startsWith("weights: ")).findFirst().orElseThrow();
        JsonNode w = new ObjectMapper().readTree(weights.substring("weights: ".length()));
        assertEquals(77, w.size());
        assertEquals(1.3f, w.get(2).floatValue());
        assertEquals(1f, w.get(1).floatValue());
        assertUserError(4, "prompt: \"(cat:1.2.3)\"", "tokenize", "--tokenizer", clip.toString(), "(cat:1.2.3)");
    }

    @Test
    void infoDescribesTheModel() throws Exception {
        CliRun r = cli("info", "--model", TINY_INPAINT.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertTrue(json.get("inpainting").asBoolean());
        assertEquals(768, json.get("textWidth").asInt());
    }

    @Test
    void userErrorsGetOneLineAndTheirExitCode() throws Exception {
        Path out = dir.resolve("never.png");
        assertUserError(3, "model folder not found", "generate", "--model", dir.resolve("nope").toString(), "--prompt", "x", "--out", out.toString());
        assertUserError(4, "steps", "generate", "--model", TINY.toString(), "--prompt", "x", "--steps", "0", "--out", out.toString());
        assertUserError(4, "cfg", "generate", "--model", TINY.toString(), "--prompt", "x", "--cfg", "-1", "--out", out.toString());
        assertUserError(4, "strength", "generate", "--model", TINY.toString(), "--prompt", "x", "--init", txt2img.toString(),
                "--strength", "1.5", "--out", out.toString());
        Path notImage = dir.resolve("not-an-image.png");
        Files.writeString(notImage, "hello");
        assertUserError(4, "not-an-image.png", "generate", "--model", TINY.toString(), "--prompt", "x", "--init", notImage.toString(), "--out", out.toString());
        assertUserError(4, "mask", "generate", "--model", TINY.toString(), "--prompt", "x", "--init", txt2img.toString(),
                "--mask", dir.resolve("mask-missing.png").toString(), "--out", out.toString());
        assertUserError(4, "scheduler", "generate", "--model", TINY.toString(), "--prompt", "x", "--scheduler", "heun", "--out", out.toString());
        // A weight AUTOMATIC1111's parser takes but Python's float() refuses (see PromptAttentionTest).
        assertUserError(4, "prompt: \"(cat:1.2.3)\" at character 3: the weight 1.2.3 is not a number", "generate", "--model", TINY.toString(),
                "--prompt", "a (cat:1.2.3)", "--out", out.toString());
        assertUserError(4, "negative prompt: \"(ugly:..)\"", "generate", "--model", TINY.toString(), "--prompt", "x",
                "--negative", "(ugly:..)", "--out", out.toString());
        CliRun usage = cli("generate", "--model", TINY.toString(), "--bogus");
        assertEquals(2, usage.code());
        assertFalse(Files.exists(out), "no output file after a failure");
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no temporary files left behind");
        }
    }

    @Test
    void sizeIsRoundedDownWithANotice() throws IOException {
        Path out = dir.resolve("rounded.png");
        CliRun r = cli("generate", "--model", TINY.toString(), "--prompt", "x", "--steps", "1", "--width", "100", "--height", "130", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("rounded down to 64x128"), r.err());
        BufferedImage img = ImageIO.read(out.toFile());
        assertEquals(64, img.getWidth());
        assertEquals(128, img.getHeight());
    }

    private static void assertUserError(int code, String mention, String... args) {
        CliRun r = cli(args);
        assertEquals(code, r.code(), r.err());
        String[] lines = r.err().lines().filter(l -> l.startsWith("error:")).toArray(String[]::new);
        assertEquals(1, lines.length, r.err());
        assertTrue(lines[0].contains(mention), lines[0]);
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    static boolean samePixels(BufferedImage a, BufferedImage b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) return false;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                if (a.getRGB(x, y) != b.getRGB(x, y)) return false;
            }
        }
        return true;
    }
}
