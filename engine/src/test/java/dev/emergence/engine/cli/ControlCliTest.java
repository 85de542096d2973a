package dev.emergence.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.image.PngMetadata;
import dev.emergence.engine.pipeline.GenerationPng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code generate --control IMG --control-model DIR ...}: one and two ControlNets with their
 * settings recorded in the PNG (our JSON and AUTOMATIC1111's ControlNet entries), the same picture
 * again from the PNG with the controls given again, and the one-line refusals with their exit codes.
 */
class ControlCliTest {
    static final Path BASE = Path.of("testmodels", "tiny-sd-control");
    static final String NET_A = Path.of("testmodels", "tiny-controlnet-a").toString();
    static final String NET_B = Path.of("testmodels", "tiny-controlnet-b").toString();

    @TempDir
    Path dir;

    private Path strokes() throws Exception {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_ARGB); // transparent: strokes on an empty layer
        for (int i = 8; i < 56; i++) {
            img.setRGB(i, 20, 0xFFFFFFFF);
            img.setRGB(32, i, 0xFFFFFFFF);
        }
        Path file = dir.resolve("strokes.png");
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    private Path photo() throws Exception {
        BufferedImage img = new BufferedImage(96, 80, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 80; y++) for (int x = 0; x < 96; x++) img.setRGB(x, y, (x * 3 % 256) << 16 | (y * 5 % 256) << 8 | ((x + y) % 256));
        Path file = dir.resolve("photo.png");
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    @Test
    void twoControlNetsAreRecordedAndTheirPictureReproduced() throws Exception {
        Path out = dir.resolve("two.png"), plain = dir.resolve("plain.png");
        String[] common = {"generate", "--model", BASE.toString(), "--prompt", "a red circle", "--steps", "3", "--seed", "5", "--quiet"};
        CliRun none = CliRun.of(concat(common, "--out", plain.toString()));
        assertEquals(0, none.code(), none.err());
        String[] controls = {"--control", photo().toString(), "--control-model", NET_A, "--control-preprocessor", "canny",
                "--canny-low", "50", "--canny-high", "150", "--control-weight", "0.8", "--control-start", "0.1", "--control-end", "0.9",
                "--control", strokes().toString(), "--control-model", NET_B, "--control-preprocessor", "scribble"};
        CliRun r = CliRun.of(concat(concat(common, "--out", out.toString()), controls));
        assertEquals(0, r.code(), r.err());
        assertFalse(CliTest.samePixels(ImageIO.read(out.toFile()), ImageIO.read(plain.toFile())), "the controls change the picture");

        String parameters = PngMetadata.read(out).get(GenerationPng.PARAMETERS_KEY);
        assertTrue(parameters.contains("ControlNet 0: \"Module: canny, Model: tiny-controlnet-a ["), parameters);
        assertTrue(parameters.contains("Weight: 0.8, Resize Mode: Just Resize, Low Vram: False, Processor Res: 64, Threshold A: 50.0, "
                + "Threshold B: 150.0, Guidance Start: 0.1, Guidance End: 0.9"), parameters);
        assertTrue(parameters.contains("ControlNet 1: \"Module: none, Model: tiny-controlnet-b ["), parameters);
        assertTrue(parameters.contains("Control images: \"0: "), parameters);
        JsonNode json = new ObjectMapper().readTree(PngMetadata.read(out).get(GenerationPng.REQUEST_KEY));
        JsonNode c0 = json.get("controls").get(0);
        assertEquals("canny", c0.get("preprocessor").asText());
        assertEquals(50.0, c0.get("cannyLow").asDouble());
        assertEquals(64, c0.get("imageSha256").asText().length());
        assertEquals(8, c0.get("modelHash").asText().length());
        assertEquals("scribble", json.get("controls").get(1).get("preprocessor").asText());

        // From the PNG: the stored control pictures are never read; given again, the same picture.
        Path noControls = dir.resolve("no-controls.png");
        CliRun fromPng = CliRun.of("generate", "--model", BASE.toString(), "--from-png", out.toString(), "--out", noControls.toString(), "--quiet");
        assertEquals(0, fromPng.code(), fromPng.err());
        assertTrue(fromPng.err().contains("made with 2 ControlNet(s)") && fromPng.err().contains("--control IMG --control-model DIR"), fromPng.err());
        Path again = dir.resolve("again.png");
        CliRun repeat = CliRun.of(concat(new String[] {"generate", "--model", BASE.toString(), "--from-png", out.toString(),
                "--out", again.toString(), "--quiet"}, controls));
        assertEquals(0, repeat.code(), repeat.err());
        assertTrue(CliTest.samePixels(ImageIO.read(out.toFile()), ImageIO.read(again.toFile())), "the same picture again");
        // Only the pictures and ControlNets given: every other setting is the PNG's.
        Path briefly = dir.resolve("briefly.png");
        CliRun brief = CliRun.of("generate", "--model", BASE.toString(), "--from-png", out.toString(), "--out", briefly.toString(), "--quiet",
                "--control", photo().toString(), "--control-model", NET_A, "--control", strokes().toString(), "--control-model", NET_B);
        assertEquals(0, brief.code(), brief.err());
        assertTrue(CliTest.samePixels(ImageIO.read(out.toFile()), ImageIO.read(briefly.toFile())), "the PNG's control settings");
    }

    @Test
    void infoSaysWhetherAModelTakesControlNets() {
        CliRun with = CliRun.of("info", "--model", BASE.toString());
        assertEquals(0, with.code(), with.err());
        assertTrue(with.out().contains("ControlNet:     takes ControlNets"), with.out());
        CliRun without = CliRun.of("info", "--model", Path.of("testmodels", "tiny-sd").toString());
        assertFalse(without.out().contains("ControlNet:"), without.out());
    }

    @Test
    void whatCannotBeUsedIsNamedOnOneLine() throws Exception {
        Path out = dir.resolve("x.png");
        String[] common = {"generate", "--prompt", "x", "--steps", "2", "--seed", "1", "--quiet", "--out", out.toString()};

        CliRun unreadable = CliRun.of(concat(common, "--model", BASE.toString(), "--control", dir.resolve("missing.png").toString(),
                "--control-model", NET_A));
        assertEquals(ExitCodes.BAD_INPUT, unreadable.code(), unreadable.err());
        assertOneLine(unreadable, "control 1 (--control): ", "missing.png", "no such file");

        Path text = dir.resolve("notes.png");
        Files.writeString(text, "not a picture");
        CliRun notAPicture = CliRun.of(concat(common, "--model", BASE.toString(), "--control", text.toString(), "--control-model", NET_A));
        assertEquals(ExitCodes.BAD_INPUT, notAPicture.code(), notAPicture.err());
        assertOneLine(notAPicture, "control 1 (--control): ", "notes.png");

        CliRun noUnet = CliRun.of(concat(common, "--model", Path.of("testmodels", "tiny-lcm").toString(), "--control", photo().toString(),
                "--control-model", NET_A));
        assertEquals(ExitCodes.BAD_MODEL, noUnet.code(), noUnet.err());
        assertOneLine(noUnet, "no ControlNet UNet", "controlnet/model.onnx");

        CliRun notANet = CliRun.of(concat(common, "--model", BASE.toString(), "--control", photo().toString(),
                "--control-model", BASE.resolve("unet").toString()));
        assertEquals(ExitCodes.BAD_MODEL, notANet.code(), notANet.err());
        assertOneLine(notANet, "is not a ControlNet");

        CliRun badRange = CliRun.of(concat(common, "--model", BASE.toString(), "--control", photo().toString(), "--control-model", NET_A,
                "--control-start", "0.8", "--control-end", "0.2"));
        assertEquals(ExitCodes.BAD_INPUT, badRange.code(), badRange.err());
        assertOneLine(badRange, "control 1: start 0.8 and end 0.2", "expected 0 <= start < end <= 1");

        CliRun badPre = CliRun.of(concat(common, "--model", BASE.toString(), "--control", photo().toString(), "--control-model", NET_A,
                "--control-preprocessor", "depth"));
        assertEquals(ExitCodes.BAD_INPUT, badPre.code(), badPre.err());
        assertOneLine(badPre, "preprocessor 'depth' is unknown", "none, scribble, canny, tile");

        CliRun missingModel = CliRun.of(concat(common, "--model", BASE.toString(), "--control", photo().toString()));
        assertEquals(ExitCodes.USAGE, missingModel.code(), missingModel.err());
        assertTrue(missingModel.err().contains("--control-model"), missingModel.err());
    }

    private static void assertOneLine(CliRun r, String... parts) {
        String err = r.err().strip();
        assertFalse(err.contains("\n"), err);
        assertTrue(err.startsWith("error: "), err);
        for (String p : parts) assertTrue(err.contains(p), "'" + p + "' in: " + err);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
