package dev.emergence.engine.cli;

import dev.emergence.engine.image.PngMetadata;
import dev.emergence.engine.library.DataFolders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LoRAs from the command line: prompt tags and --lora, looked up in the library's loras folder, recorded
 * in the picture as AUTOMATIC1111 records them and applied again by --from-png; bad files and names
 * are refused in one line with the bad-input exit code.
 */
class LoraCliTest {
    static final Path TINY_LORA = Path.of("testmodels", "tiny-lora");

    @TempDir
    Path dir;
    private String previousDataDir;
    private Path loras;

    @BeforeEach
    void aLibraryWithTwoLoras() throws Exception {
        previousDataDir = System.getProperty(DataFolders.PROPERTY);
        System.setProperty(DataFolders.PROPERTY, dir.resolve("data").toString());
        loras = Files.createDirectories(DataFolders.modelsFolder().resolve("loras"));
        Files.copy(TINY_LORA.resolve("loras/kohya-style.safetensors"), loras.resolve("kohya-style.safetensors"));
        Files.copy(TINY_LORA.resolve("loras/peft-style.safetensors"), loras.resolve("peft-style.safetensors"));
    }

    @AfterEach
    void restore() {
        if (previousDataDir == null) System.clearProperty(DataFolders.PROPERTY);
        else System.setProperty(DataFolders.PROPERTY, previousDataDir);
    }

    private CliRun generate(Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("generate", "--model", TINY_LORA.toString(), "--steps", "2", "--seed", "7",
                "--out", out.toString(), "--quiet"));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void tagsAndFlagsApplyAndThePictureRecordsThem() throws Exception {
        Path plain = dir.resolve("plain.png"), styled = dir.resolve("styled.png");
        CliRun r = generate(plain, "--prompt", "a red circle");
        assertEquals(0, r.code(), r.err());
        r = generate(styled, "--prompt", "a red circle <lora:kohya-style:0.8>", "--lora", "peft-style:0.5");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("notice: kohya-style: 1 of 9 LoRA layers matched nothing: lora_unet_down_blocks_7_attentions_0"), r.err());
        assertFalse(CliTest.samePixels(ImageIO.read(plain.toFile()), ImageIO.read(styled.toFile())), "the LoRAs change the picture");

        String parameters = PngMetadata.read(styled).get("parameters");
        assertTrue(parameters.startsWith("a red circle <lora:kohya-style:0.8> <lora:peft-style:0.5>\n"), parameters);
        // hashes from make_lora_models.py (reference/lora/reference.json), as AUTOMATIC1111 computes them
        assertTrue(parameters.contains("Lora hashes: \"kohya-style: 719c389514db, peft-style: a17192095f53\""), parameters);

        Path again = dir.resolve("again.png");
        r = CliRun.of("generate", "--model", TINY_LORA.toString(), "--from-png", styled.toString(), "--out", again.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(CliTest.samePixels(ImageIO.read(styled.toFile()), ImageIO.read(again.toFile())), "--from-png applies the LoRAs again");

        // a picture naming a LoRA the library lacks: generated without it, named in one line
        Files.delete(loras.resolve("peft-style.safetensors"));
        r = CliRun.of("generate", "--model", TINY_LORA.toString(), "--from-png", styled.toString(), "--out", dir.resolve("x.png").toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("notice: LoRA 'peft-style' (<lora:peft-style:0.5> in the prompt) is not in the loras folder "), r.err());
    }

    @Test
    void aLoraByPathAndOtherTagsIgnored() throws Exception {
        Path out = dir.resolve("path.png");
        CliRun r = generate(out, "--prompt", "a cat <hypernet:h:1>", "--lora", TINY_LORA.resolve("loras/kohya-style.safetensors").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("notice: ignored <hypernet:h:1> in the prompt: the engine applies only <lora:…> tags"), r.err());
        assertTrue(PngMetadata.read(out).get("parameters").startsWith("a cat <hypernet:h:1> <lora:kohya-style:1>\n"));
    }

    @Test
    void badLorasAreRefusedInOneLine() throws Exception {
        Files.write(loras.resolve("broken.safetensors"), new byte[] {(byte) 200, 0, 0, 0, 0, 0, 0, 0, '{'});
        for (String[] bad : List.of(
                new String[] {"--lora", "../outside", "leads outside the loras folder"},
                new String[] {"--lora", "broken", "its header length 200 runs past the end of the file"},
                new String[] {"--lora", "nowhere:0.5", "'nowhere' is neither a file nor a LoRA in the loras folder"},
                new String[] {"--lora", "kohya-style:NaN", "has weight NaN"})) {
            CliRun r = generate(dir.resolve("bad.png"), "--prompt", "a cat", bad[0], bad[1]);
            assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("error: ") && r.err().contains(bad[2]), r.err());
        }
        CliRun r = generate(dir.resolve("bad.png"), "--prompt", "a cat <lora:../../etc/passwd:1>");
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("leads outside the loras folder"), r.err());
        assertFalse(Files.exists(dir.resolve("bad.png")));
    }
}
