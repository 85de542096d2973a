package dev.emergence.app.studio;

import javafx.scene.Node;
import javafx.scene.control.CheckBox;
import javafx.scene.control.TextField;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The LoRA panel lists the library's loras folder and edits the prompt's {@code <lora:…>} tags,
 * which are what the engine applies and what pictures record.
 */
class LoraPanelTest extends StudioTest {
    @Test
    void checkingWeighingAndUncheckingALoraEditsThePromptsTag() throws Exception {
        waitForModel();
        assertTrue(lookup("#lora-empty").query().isVisible(), "an empty folder says where LoRAs go");
        Path loras = Files.createDirectories(home.resolve("models").resolve("loras"));
        Files.write(loras.resolve("ink.safetensors"), new byte[8]);
        Files.write(loras.resolve("paper.safetensors"), new byte[8]);
        clickShown("#lora-refresh");
        waitUntil("two LoRAs listed", () -> lookup(".lora-check").queryAll().size() == 2);
        assertFalse(lookup("#lora-empty").query().isVisible());

        clickShown("#prompt").write("a cat");
        clickShown(check("ink"));
        waitUntil("the tag in the prompt", () -> studio.parameters().promptProperty().get().equals("a cat <lora:ink:1>"));

        TextField weight = weightOf("ink");
        clickShown(weight);
        doubleClickOn(weight).write("0.6").type(javafx.scene.input.KeyCode.ENTER);
        waitUntil("the new weight", () -> studio.parameters().promptProperty().get().equals("a cat <lora:ink:0.6>"));

        // Typed in the prompt: the panel follows.
        clickShown("#prompt").write(" <lora:paper:0.3>");
        waitUntil("paper checked", () -> check("paper").isSelected());
        assertEquals("0.3", onFx(() -> weightOf("paper").getText()));

        clickShown(check("ink"));
        waitUntil("the tag gone", () -> studio.parameters().promptProperty().get().equals("a cat <lora:paper:0.3>"));

        // A tag naming no file gets a row that says so.
        clickShown("#prompt").write(" <lora:gone:1>");
        waitUntil("a row for the missing file", () -> lookup(".lora-check").queryAll().size() == 3);
        assertTrue(onFx(() -> check("gone").getParent().lookupAll(".field-error").stream()
                .anyMatch(n -> ((javafx.scene.control.Label) n).getText().equals("not in the loras folder"))));

        // For a look at the panel: target/lora-panel.png.
        javafx.scene.image.WritableImage shot = onFx(() -> lookup("#prompt-panel").query().snapshot(null, null));
        javax.imageio.ImageIO.write(javafx.embed.swing.SwingFXUtils.fromFXImage(shot, null), "png", Path.of("target", "lora-panel.png").toFile());

        clickShown("#lora-open-folder");
        waitUntil("the folder opened", () -> openedUris.stream().anyMatch(u -> u.endsWith("/models/loras/")));
    }

    private CheckBox check(String name) {
        return (CheckBox) lookup(".lora-check").queryAll().stream().filter(n -> name.equals(n.getUserData())).findFirst().orElseThrow();
    }

    private TextField weightOf(String name) {
        Node n = lookup(".lora-weight").queryAll().stream().filter(x -> name.equals(x.getUserData())).findFirst().orElseThrow();
        return (TextField) n;
    }
}
