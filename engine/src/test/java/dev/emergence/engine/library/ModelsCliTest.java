package dev.emergence.engine.library;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.cli.CliRun;
import dev.emergence.engine.cli.ExitCodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The 'models' command line end to end, against a local hub and a temporary library. */
class ModelsCliTest {
    @TempDir
    Path temp;

    HubServer server;
    String library;

    static CliRun cli(String... args) {
        return CliRun.of(args);
    }

    @BeforeEach
    void start() throws Exception {
        server = new HubServer();
        server.publish("test/tiny-sd", "onnx", Fixtures.TINY, Map.of("README.md", "# tiny\n".getBytes(StandardCharsets.UTF_8)));
        library = temp.resolve("models").toString();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void downloadListImportRemove() throws Exception {
        CliRun d = cli("models", "download", "test/tiny-sd", "--revision", "onnx", "--name", "tiny", "--library", library, "--hub", server.base().toString());
        assertEquals(ExitCodes.OK, d.code(), d.err());
        assertTrue(d.err().contains("listing test/tiny-sd at onnx"), d.err());
        assertTrue(d.err().contains("100% 646 KiB of 646 KiB"), d.err()); // Not a terminal: one line per finished file.
        assertTrue(d.out().startsWith("tiny "), d.out());

        CliRun i = cli("models", "import", Fixtures.TINY_INPAINT.toString(), "--library", library);
        assertEquals(ExitCodes.OK, i.code(), i.err());
        CliRun l = cli("models", "import", Fixtures.TINY_FP16.toString(), "--name", "half", "--link", "--library", library);
        assertEquals(ExitCodes.OK, l.code(), l.err());

        CliRun list = cli("models", "list", "--library", library);
        assertEquals(ExitCodes.OK, list.code(), list.err());
        String[] lines = list.out().split("\n");
        assertTrue(lines[0].startsWith("library: "), list.out());
        // Models in name order, each with family, precision, size and what it generates.
        assertTrue(lines[lines.length - 3].matches("half \\[linked\\]\\s+SD 1\\.x\\s+fp16 .*  txt2img, img2img, inpainting \\(by blending\\)"),
                lines[lines.length - 3]);
        assertTrue(lines[lines.length - 2].matches("tiny\\s+SD 1\\.x\\s+fp32 .*  txt2img, img2img, inpainting \\(by blending\\), preview decoder"),
                lines[lines.length - 2]);
        assertTrue(lines[lines.length - 1].matches("tiny-sd-inpaint\\s+SD 1\\.x\\s+fp32 .*  txt2img, img2img, inpainting \\(9-channel\\)"),
                lines[lines.length - 1]);

        CliRun json = cli("models", "list", "--json", "--library", library);
        JsonNode all = new ObjectMapper().readTree(json.out());
        JsonNode tiny = null;
        for (JsonNode n : all) if (n.get("name").asText().equals("tiny")) tiny = n;
        assertEquals("copied", tiny.get("source").asText());
        assertEquals(Fixtures.bytesIn(Fixtures.TINY), tiny.get("info").get("sizeOnDiskBytes").asLong());

        CliRun r = cli("models", "remove", "half", "--library", library);
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(Files.isRegularFile(Fixtures.TINY_FP16.resolve("unet/model.onnx")), "a linked model's folder stays");
        assertFalse(cli("models", "list", "--library", library).out().contains("half"));
    }

    @Test
    void failuresHaveOneLineAndTheirExitCode() throws Exception {
        CliRun missing = cli("models", "download", "nobody/nothing", "--library", library, "--hub", server.base().toString());
        assertEquals(ExitCodes.BAD_INPUT, missing.code());
        assertTrue(missing.err().lines().anyMatch(s -> s.startsWith("error: repository 'nobody/nothing' not found")), missing.err());

        Path broken = Fixtures.copy(Fixtures.TINY, temp.resolve("broken"));
        Files.delete(broken.resolve("vae_decoder/model.onnx"));
        CliRun bad = cli("models", "import", broken.toString(), "--library", library);
        assertEquals(ExitCodes.BAD_MODEL, bad.code());
        assertTrue(bad.err().contains("error: broken/vae_decoder/model.onnx not found"), bad.err());

        CliRun remove = cli("models", "remove", "nothing", "--library", library);
        assertEquals(ExitCodes.BAD_INPUT, remove.code());
        assertTrue(remove.err().startsWith("error: no model named 'nothing'"), remove.err());

        CliRun preview = cli("models", "download", "taesd", "--library", library);
        assertEquals(ExitCodes.BAD_INPUT, preview.code());
        assertTrue(preview.err().contains("--to MODEL"), preview.err());
    }

    @Test
    void theCatalogueIsListed() {
        CliRun c = cli("models", "catalogue");
        assertEquals(ExitCodes.OK, c.code(), c.err());
        for (Catalogue.Entry e : Catalogue.load().entries()) assertTrue(c.out().contains(e.repo() + "@" + e.revision()), e.id());
    }
}
