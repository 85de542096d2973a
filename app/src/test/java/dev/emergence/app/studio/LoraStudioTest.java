package dev.emergence.app.studio;

import dev.emergence.app.generation.Finished;
import dev.emergence.engine.image.PngMetadata;
import dev.emergence.engine.lora.LoraLibrary;
import dev.emergence.engine.lora.LoraWeight;
import dev.emergence.engine.pipeline.CancellationToken;
import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.pipeline.GenerationResult;
import dev.emergence.engine.pipeline.LoadedModel;
import dev.emergence.engine.pipeline.StepListener;
import dev.emergence.engine.lora.LoraMerger;
import dev.emergence.engine.runtime.ExecutionOptions;
import javafx.scene.control.CheckBox;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A LoRA from the studio's panel: checked, it is merged into the model for the next generation and
 * recorded as AUTOMATIC1111 records it; unchecked, the model's own weights return. Checked against the
 * engine given the same LoRA directly (the merge itself is checked against torch in LoraReferenceTest).
 */
class LoraStudioTest extends StudioTest {
    static final Path MODEL = Path.of("..", "engine", "testmodels", "tiny-lora").toAbsolutePath().normalize();

    @Test
    void aCheckedLoraChangesTheNextPictureAndIsRecorded() throws Exception {
        waitForModel();
        Path loras = Files.createDirectories(home.resolve("models").resolve("loras"));
        Path file = Files.copy(MODEL.resolve("loras").resolve("kohya-style.safetensors"), loras.resolve("kohya-style.safetensors"));
        clickShown("#lora-refresh");
        waitUntil("the LoRA listed", () -> lookup(".lora-check").queryAll().size() == 1);
        fx(() -> studio.loadModel(MODEL));
        waitUntil("the LoRA test model", () -> studio.generation().modelProperty().get() != null
                && studio.generation().modelProperty().get().folder().equals(MODEL));
        fx(() -> {
            studio.parameters().promptProperty().set("a cat");
            studio.parameters().stepsProperty().set(3);
            studio.parameters().seedProperty().set(42);
            studio.parameters().seedLockedProperty().set(true);
        });
        waitUntil("the token count", () -> lookup("#prompt-tokens").queryLabeled().getText().matches("[1-9].* / .*"));
        String plainCount = onFx(() -> lookup("#prompt-tokens").queryLabeled().getText());
        BufferedImage plain = generateOnce(1).result().image();

        clickShown(check("kohya-style"));
        waitUntil("the tag", () -> studio.parameters().promptProperty().get().equals("a cat <lora:kohya-style:1>"));
        waitUntil("the tag not counted (" + plainCount + ")", () -> lookup("#prompt-tokens").queryLabeled().getText().equals(plainCount));
        Finished withLora = generateOnce(2);
        assertFalse(Arrays.equals(pixels(plain), pixels(withLora.result().image())), "the LoRA changes the picture");
        String infotext = PngMetadata.read(withLora.file()).get(GenerationPng.PARAMETERS_KEY);
        assertTrue(infotext.startsWith("a cat <lora:kohya-style:1>\n"), infotext);
        assertTrue(infotext.contains(", Lora hashes: \"kohya-style: " + a1111Hash(file) + "\""), infotext);

        // The engine given the same LoRA directly makes the same pixels.
        GenerationRequest saved = GenerationPng.readRequest(withLora.file());
        try (LoadedModel m = LoadedModel.open(MODEL, ExecutionOptions.cpu())) {
            m.applyLoras(List.of(new LoraWeight(file, "kohya-style", 1.0)), LoraMerger.Progress.NONE, new CancellationToken());
            GenerationResult direct = m.pipeline().generate(saved, null, null, StepListener.NONE, new CancellationToken());
            assertArrayEquals(pixels(direct.image()), pixels(withLora.result().image()));
        }

        // Unchecked: the model's own weights again.
        clickShown(check("kohya-style"));
        waitUntil("the tag gone", () -> studio.parameters().promptProperty().get().equals("a cat"));
        Finished again = generateOnce(3);
        assertArrayEquals(pixels(plain), pixels(again.result().image()), "the LoRA is taken out again");
        assertFalse(PngMetadata.read(again.file()).get(GenerationPng.PARAMETERS_KEY).contains("Lora hashes"));
    }

    private Finished generateOnce(int count) {
        pressGenerate();
        waitUntil("picture " + count, 60, () -> studio.gallery().size() == count);
        waitForIdle();
        return onFx(() -> studio.generation().lastResultProperty().get());
    }

    private CheckBox check(String name) {
        return (CheckBox) lookup(".lora-check").queryAll().stream().filter(n -> name.equals(n.getUserData())).findFirst().orElseThrow();
    }

    /**
     * AUTOMATIC1111's short hash of a .safetensors file (modules/hashes.py, addnet_hash_safetensors):
     * SHA-256 of the bytes after the 8-byte length and the JSON header, first 12 hex digits.
     */
    static String a1111Hash(Path file) throws Exception {
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(all, (int) (8 + n), (int) (all.length - 8 - n));
        return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
    }

    private static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }
}
