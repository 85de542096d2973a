package dev.emergence.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.image.PngMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** generate --vae-tiling: what it records, that it changes the decode, and its error. tiny-sd's VAE tiles are 64 pixels. */
class VaeTilingCliTest {
    @TempDir
    Path dir;

    private CliRun generate(Path out, String... extra) {
        String[] base = {"generate", "--model", CliTest.TINY.toString(), "--prompt", "a red circle", "--steps", "1", "--seed", "5",
                "--width", "128", "--height", "128", "--out", out.toString(), "--quiet"};
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return CliRun.of(args);
    }

    private static JsonNode request(Path png) throws Exception {
        return new ObjectMapper().readTree(PngMetadata.read(png).get("emergence-request"));
    }

    @Test
    void theModeIsRecordedOnlyWhenNotAutoAndReadBackFromThePng() throws Exception {
        Path auto = dir.resolve("auto.png"), on = dir.resolve("on.png"), off = dir.resolve("off.png"), again = dir.resolve("again.png");
        assertEquals(0, generate(auto).code());
        CliRun r = generate(on, "--vae-tiling", "on");
        assertEquals(0, r.code(), r.err());
        assertEquals(0, generate(off, "--vae-tiling", "OFF").code());

        // auto is the default and is left out, so pictures made before the option read the same
        assertFalse(request(auto).has("vaeTiling"));
        assertEquals("on", request(on).get("vaeTiling").asText());
        assertEquals("off", request(off).get("vaeTiling").asText());
        // 128 pixels is twice tiny-sd's tile: auto tiles it as on does; off decodes it whole, with other pixels at the seams
        assertTrue(CliTest.samePixels(ImageIO.read(auto.toFile()), ImageIO.read(on.toFile())));
        assertFalse(CliTest.samePixels(ImageIO.read(on.toFile()), ImageIO.read(off.toFile())));

        r = CliRun.of("generate", "--model", CliTest.TINY.toString(), "--from-png", off.toString(), "--out", again.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(CliTest.samePixels(ImageIO.read(off.toFile()), ImageIO.read(again.toFile())), "--from-png keeps the stored mode");
    }

    @Test
    void benchDecodes2048TiledAndUntiled() throws Exception {
        CliRun r = CliRun.of("bench", "--model", CliTest.TINY.toString(), "--steps", "1", "--repeats", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        if (!json.has("vae_decode_2048_tiled_ms")) return; // no /proc: no peak to start over
        // tiny-sd's decoder has no attention, so its untiled decode is measured too
        for (String key : new String[] {"vae_decode_2048_rss_before_mib", "vae_decode_2048_tiled_peak_rss_mib", "vae_decode_2048_untiled_ms",
                "vae_decode_2048_untiled_peak_rss_mib", "vae_decode_2048_untiled_vs_tiled_added_rss_ratio",
                "vae_decode_2048_untiled_vs_tiled_time_ratio"}) {
            assertTrue(json.has(key) && json.get(key).asDouble() > 0, key + " in " + r.out());
        }
    }

    @Test
    void anUnknownModeIsAOneLineError() {
        Path out = dir.resolve("never.png");
        CliRun r = generate(out, "--vae-tiling", "sometimes");
        assertEquals(4, r.code(), r.err());
        String[] lines = r.err().lines().filter(l -> l.startsWith("error:")).toArray(String[]::new);
        assertEquals(1, lines.length, r.err());
        assertEquals("error: vae-tiling: 'sometimes' is unknown; expected one of auto, on, off", lines[0]);
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(out));
    }
}
