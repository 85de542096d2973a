package dev.emergence.engine.cli;

import dev.emergence.engine.image.HostileFiles;
import dev.emergence.engine.image.PngMetadata;
import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.scheduler.SchedulerKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The command line given files and values made to hurt it: pictures that name other files, carry
 * terminal escapes, claim huge sizes or hold huge text; paths no file system takes; outputs that
 * cannot be written. Each run ends with one line and its exit code, and leaves nothing behind.
 */
class CliHostileInputTest {
    static final String TINY = CliTest.TINY.toString();
    /** A model folder that does not exist: a run that fails with a bad-input code (4) checked its input before loading a model (3). */
    static final String NO_MODEL = "no-such-model-folder/here";

    @TempDir
    Path dir;

    private static BufferedImage picture(int w, int h) {
        return new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    }

    /** A PNG carrying {@code request} as this studio writes it. */
    private Path pngWithRequest(String name, GenerationRequest request) throws IOException {
        Path png = dir.resolve(name);
        Map<String, String> text = new LinkedHashMap<>();
        text.put(GenerationPng.REQUEST_KEY, GenerationPng.toJson(request));
        PngMetadata.write(png, picture(8, 8), text);
        return png;
    }

    private static GenerationRequest request(String prompt, int w, int h, String init, String mask) {
        return new GenerationRequest(prompt, "", w, h, 2, 7.5, 3, SchedulerKind.EULER, 0.5, 4, init, mask, "tiny-sd");
    }

    /** One "error:" line naming {@code mention}, exit {@code code}, no stack trace, no raw control character. */
    static CliRun assertOneLineError(int code, String mention, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(code, r.code(), r.err());
        String[] errors = r.err().lines().filter(l -> l.startsWith("error:")).toArray(String[]::new);
        assertEquals(1, errors.length, r.err());
        assertTrue(errors[0].contains(mention), errors[0]);
        assertFalse(r.err().contains("\tat ") || r.err().contains("internal error"), "no stack trace: " + r.err());
        assertNoControlCharacters(r);
        return r;
    }

    static void assertNoControlCharacters(CliRun r) {
        for (String text : new String[] {r.out(), r.err()}) {
            for (char c : text.toCharArray()) {
                boolean bad = c != '\n' && (c < 0x20 || c >= 0x7F && c <= 0x9F || c >= 0x202A && c <= 0x202E || c >= 0x2066 && c <= 0x2069);
                assertFalse(bad, String.format("raw U+%04X printed in: %s", (int) c, text));
            }
        }
    }

    private void assertNothingLeftBehind() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no temporary files left behind");
        }
    }

    @Test
    void fromPngNeverReadsTheImagePathsItStoresAndSaysSo() throws Exception {
        // The stored "init image" is a FIFO (reading it would hang forever), the stored mask a private file.
        Path fifo = dir.resolve("fifo");
        assumeTrue(HostileFiles.mkfifo(fifo), "mkfifo is not available here");
        Path secret = dir.resolve("secret.png");
        ImageIO.write(picture(64, 64), "png", secret.toFile());
        Path png = pngWithRequest("sent.png", request("a red circle", 64, 64, fifo.toString(), secret.toString()));
        Path out = dir.resolve("out.png");
        CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(120),
                () -> CliRun.of("generate", "--model", TINY, "--from-png", png.toString(), "--out", out.toString(), "--quiet"));
        assertEquals(0, r.code(), r.err());
        String[] notices = r.err().lines().filter(l -> l.startsWith("notice: ")).toArray(String[]::new);
        assertEquals(1, notices.length, r.err());
        assertEquals("notice: " + png + " names the init image '" + fifo + "' and the mask '" + secret + "' it was made from;"
                + " stored paths are never read (a picture does not choose which files are opened):"
                + " give --init FILE and --mask FILE to use them", notices[0]);
        // Made as txt2img: no strength, and no image path recorded that was not given.
        String parameters = PngMetadata.read(out).get(GenerationPng.PARAMETERS_KEY);
        assertFalse(parameters.contains("Denoising strength"), parameters);
        assertFalse(PngMetadata.read(out).get(GenerationPng.REQUEST_KEY).contains("initImage"));

        // Given explicitly they are used; the notice is gone.
        Path again = dir.resolve("again.png");
        r = CliRun.of("generate", "--model", TINY, "--from-png", png.toString(), "--init", secret.toString(), "--mask", secret.toString(),
                "--out", again.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("notice: "), r.err());
        assertTrue(PngMetadata.read(again).get(GenerationPng.REQUEST_KEY).contains("\"initImage\""));
    }

    @Test
    void aFifoGivenAsInitOrFromPngIsRefusedAtOnce() {
        Path fifo = dir.resolve("picture.png");
        assumeTrue(HostileFiles.mkfifo(fifo), "mkfifo is not available here");
        Path out = dir.resolve("out.png");
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            assertOneLineError(4, fifo + ": is not a regular file", "generate", "--model", NO_MODEL, "--prompt", "x",
                    "--init", fifo.toString(), "--out", out.toString());
            assertOneLineError(4, fifo + ": is not a regular file", "generate", "--model", NO_MODEL, "--from-png", fifo.toString(),
                    "--out", out.toString());
        });
        assertFalse(Files.exists(out));
    }

    @Test
    void terminalEscapesFromAPictureAreShownEscaped() throws Exception {
        String evil = "\u001b]0;pwned\u0007";
        Path png = dir.resolve("evil.png");
        PngMetadata.write(png, picture(8, 8), Map.of(GenerationPng.PARAMETERS_KEY, evil + "prompt \u202eevil\n"
                + "Steps: 20, Sampler: " + evil + ", CFG scale: 7, Seed: 1, Size: 64x64"));
        CliRun r = assertOneLineError(4, "sampler '\\x1b]0;pwned\\x07' is not one this engine has",
                "generate", "--model", NO_MODEL, "--from-png", png.toString(), "--out", dir.resolve("o.png").toString());
        assertFalse(r.err().contains(evil));

        // A prompt with escapes runs, and every line it shows up in (unknown words, metadata echo) is escaped.
        Path req = pngWithRequest("request.png", request(evil + " circle \u202e\u009b2J", 64, 64, null, null));
        Path out = dir.resolve("out.png");
        r = CliRun.of("generate", "--model", TINY, "--from-png", req.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertNoControlCharacters(r);
        // What the picture records is the prompt as given: escaping is for the terminal only.
        assertTrue(PngMetadata.read(out).get(GenerationPng.PARAMETERS_KEY).startsWith(evil + " circle \u202e\u009b2J"));
    }

    @Test
    void aModelWhoseNameCarriesEscapesIsListedEscaped() throws Exception {
        Path link = dir.resolve("evil\u001b[2J\u202e");
        Files.createSymbolicLink(link, CliTest.TINY.toAbsolutePath());
        CliRun r = CliRun.of("info", "--model", link.toString());
        assertEquals(0, r.code(), r.err());
        assertNoControlCharacters(r);
        assertTrue(r.out().contains("evil\\x1b[2J\\u202e"), r.out());
        // And in an error line.
        assertOneLineError(3, "evil\\x1b[2J\\u202e", "info", "--model", dir.resolve("evil\u001b[2J\u202e-missing").toString());
    }

    @Test
    void picturesAndSizesBeyondTheBoundsAreRefusedBeforeTheModelLoads() throws Exception {
        Path out = dir.resolve("out.png");
        assertOneLineError(4, "width: 100000 is out of range; expected 1 to 2048 pixels",
                "generate", "--model", NO_MODEL, "--prompt", "x", "--width", "100000", "--out", out.toString());
        assertOneLineError(4, "height: 0 is out of range; expected 1 to 2048 pixels",
                "generate", "--model", NO_MODEL, "--prompt", "x", "--height", "0", "--out", out.toString());

        Path bomb = dir.resolve("bomb.png");
        Files.write(bomb, HostileFiles.pngClaiming(30000, 30000));
        assertOneLineError(4, bomb + ": 30000x30000 pixels is too large; expected at most 16384 pixels a side",
                "generate", "--model", NO_MODEL, "--prompt", "x", "--init", bomb.toString(), "--out", out.toString());

        // An init image wider than a picture may be, with no size given: say what to pass.
        Path wide = dir.resolve("wide.png");
        ImageIO.write(picture(2112, 64), "png", wide.toFile());
        assertOneLineError(4, "size: the init image " + wide + " is 2112x64, more than 2048 pixels a side; give --width and --height",
                "generate", "--model", NO_MODEL, "--prompt", "x", "--init", wide.toString(), "--out", out.toString());

        // A size stored in a picture is held to the same bound.
        Path stored = pngWithRequest("huge-request.png", request("x", 100000, 64, null, null));
        assertOneLineError(4, "size: 100000x64 is too large; expected at most 2048 pixels a side",
                "generate", "--model", NO_MODEL, "--from-png", stored.toString(), "--out", out.toString());

        Path manyTexts = dir.resolve("many-texts.png");
        byte[][] chunks = new byte[101][];
        chunks[0] = Arrays.copyOfRange(HostileFiles.pngClaiming(1, 1), 8, 8 + 25);
        for (int i = 1; i < chunks.length; i++) chunks[i] = HostileFiles.ztxt("k" + i, new byte[1 << 16]);
        Files.write(manyTexts, HostileFiles.png(chunks));
        assertOneLineError(4, manyTexts + ": has more than 64 text chunks; expected at most 64",
                "generate", "--model", NO_MODEL, "--from-png", manyTexts.toString(), "--out", out.toString());

        assertOneLineError(4, "size: 4096x64 is too large; expected at most 2048 pixels a side",
                "bench", "--model", NO_MODEL, "--size", "4096x64");
        // Counts that would allocate or start without end.
        assertOneLineError(4, "steps: 2000000000 is out of range; expected 1 to 1000",
                "schedule", "--scheduler", "euler", "--steps", "2000000000");
        assertOneLineError(4, "steps: 100000 is out of range; expected 1 to 1000", "bench", "--model", NO_MODEL, "--steps", "100000");
        assertOneLineError(4, "threads: 100000 is out of range; expected 0 to 256", "info", "--model", TINY, "--threads", "100000");
        assertFalse(Files.exists(out));
        assertNothingLeftBehind();
    }

    @Test
    void promptsPastTheBoundsAreRefusedWithOneLine() throws Exception {
        Path out = dir.resolve("out.png");
        String huge = "x".repeat(1 << 20);
        assertOneLineError(4, "prompt: 1048576 characters is too long; expected at most 16384 characters",
                "generate", "--model", NO_MODEL, "--prompt", huge, "--out", out.toString());
        assertOneLineError(4, "negative prompt: 16385 characters is too long; expected at most 16384 characters",
                "generate", "--model", NO_MODEL, "--prompt", "x", "--negative", "y".repeat(16385), "--out", out.toString());

        // A prompt stored in a picture, as this studio writes it and as AUTOMATIC1111 does (under the
        // PNG's 1 MiB a text), is refused the same way before any model loads.
        String stored = "x".repeat(1_000_000);
        Path request = pngWithRequest("long-prompt.png", request(stored, 64, 64, null, null));
        assertOneLineError(4, "prompt: 1000000 characters is too long; expected at most 16384 characters",
                "generate", "--model", NO_MODEL, "--from-png", request.toString(), "--out", out.toString());
        Path parameters = dir.resolve("long-parameters.png");
        PngMetadata.write(parameters, picture(8, 8), Map.of(GenerationPng.PARAMETERS_KEY, "a cat\nNegative prompt: " + stored
                + "\nSteps: 2, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 64x64"));
        assertOneLineError(4, "negative prompt: 1000000 characters is too long; expected at most 16384 characters",
                "generate", "--model", NO_MODEL, "--from-png", parameters.toString(), "--out", out.toString());
        // A prompt given on the command line replaces the stored one: the run goes on to the model.
        assertOneLineError(3, NO_MODEL, "generate", "--model", NO_MODEL, "--from-png", request.toString(), "--prompt", "a cat",
                "--out", out.toString());

        // Within the characters but past the windows the text encoder takes: refused once tokenized.
        CliRun r = assertOneLineError(4, "prompt: its ", "generate", "--model", TINY, "--prompt", "cat ".repeat(4000).strip(),
                "--steps", "1", "--out", out.toString(), "--quiet");
        assertTrue(r.err().contains("windows of 75; expected at most 32 windows (2400 tokens)"), r.err());
        assertFalse(Files.exists(out));
        assertNothingLeftBehind();
    }

    @Test
    void truncatedPicturesAreRefusedAsTruncated() throws Exception {
        Path full = dir.resolve("full.jpg");
        ImageIO.write(HostileFiles.noise(64, 64), "jpg", full.toFile());
        byte[] bytes = Files.readAllBytes(full);
        Path cut = dir.resolve("cut.jpg");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        assertOneLineError(4, cut + ": truncated JPEG (", "generate", "--model", NO_MODEL, "--prompt", "x",
                "--init", cut.toString(), "--out", dir.resolve("out.png").toString());
    }

    @Test
    void pathsNoFileSystemTakesGetOneLine() {
        Path out = dir.resolve("out.png");
        CliRun r = assertOneLineError(2, "--out: 'a\\x00b.png' is not a valid path (nul character not allowed)",
                "generate", "--model", TINY, "--prompt", "x", "--out", "a\u0000b.png");
        assertTrue(r.err().contains("Try 'studio generate --help'"), r.err());
        assertOneLineError(2, "--init: 'in\\x00it.png' is not a valid path", "generate", "--prompt", "x",
                "--init", "in\u0000it.png", "--out", out.toString());
        assertOneLineError(2, "--from-png: ", "generate", "--from-png", "\u0000", "--out", out.toString());
        assertOneLineError(2, "--save-steps: ", "generate", "--prompt", "x", "--save-steps", "s\u0000", "--out", out.toString());
        assertOneLineError(2, "--tokenizer: ", "tokenize", "--tokenizer", "t\u0000", "x");
        assertOneLineError(2, "--out: ", "noise", "--seed", "1", "--shape", "1", "--out", "n\u0000.npy");
        assertOneLineError(2, "--library: ", "models", "list", "--library", "l\u0000");
        assertOneLineError(2, "DIR: ", "models", "import", "m\u0000");
        // --model takes names as well as folders: a NUL there is neither.
        assertOneLineError(4, "model: 'm\\x00' is not a folder or a model name (it holds a control character)",
                "generate", "--model", "m\u0000", "--prompt", "x", "--out", out.toString());
        assertOneLineError(3, "file:///nowhere/model: model folder not found",
                "generate", "--model", "file:///nowhere/model", "--prompt", "x", "--out", out.toString());
        // An argument with a terminal escape is echoed escaped by the parser's own errors too.
        assertOneLineError(2, "\\x1b[2J", "generate", "--steps", "\u001b[2J", "--out", out.toString());
    }

    @Test
    void anOutputThatCannotBeWrittenIsFoundBeforeTheGeneration() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("picture.png"));
        assertOneLineError(4, "out: " + folder + " is a folder; expected the .png file to write",
                "generate", "--model", NO_MODEL, "--prompt", "x", "--out", folder.toString());
        Path missing = dir.resolve("no-such-folder").resolve("p.png");
        assertOneLineError(4, "out: " + missing + ": the folder " + missing.getParent() + " does not exist",
                "generate", "--model", NO_MODEL, "--prompt", "x", "--out", missing.toString());
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        assertOneLineError(4, "out: " + file.resolve("p.png") + ": the folder " + file + " is not a folder",
                "generate", "--model", NO_MODEL, "--prompt", "x", "--out", file.resolve("p.png").toString());
        assertOneLineError(4, "save-steps: " + file + " is not a folder",
                "generate", "--model", NO_MODEL, "--prompt", "x", "--save-steps", file.toString(), "--out", dir.resolve("o.png").toString());
        assertNothingLeftBehind();
    }

    @Test
    void anUnwritableOutputFolderIsNamedByTheOutputPath() throws Exception {
        assumeTrue(!"root".equals(System.getProperty("user.name")), "root may write into any folder");
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Path out = locked.resolve("p.png");
            CliRun r = assertOneLineError(4, "out: " + out + ": cannot write into the folder " + locked + " (permission denied)",
                    "generate", "--model", NO_MODEL, "--prompt", "x", "--out", out.toString());
            assertFalse(r.err().contains(".tmp"), r.err());
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void aFolderThatTakesNoFilesIsFoundBeforeTheGeneration() {
        // /proc takes no new files, even from root.
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux's /proc");
        Path out = Path.of("/proc/picture.png");
        CliRun r = assertOneLineError(4, "out: " + out + ": cannot write into the folder /proc",
                "generate", "--model", NO_MODEL, "--prompt", "x", "--out", out.toString());
        assertFalse(r.err().contains(".tmp"), r.err());
    }
}
