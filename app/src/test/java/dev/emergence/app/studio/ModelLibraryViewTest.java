package dev.emergence.app.studio;

import dev.emergence.app.library.ModelChoice;
import dev.emergence.engine.library.Bytes;
import dev.emergence.engine.library.ModelEntry;
import dev.emergence.engine.library.ModelLibrary;
import javafx.scene.Node;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Models window on a real studio: listing with the engine's summaries, import (copy and link), remove, use. */
class ModelLibraryViewTest extends StudioTest {
    static final Path TINY_SD_FP16 = Path.of("..", "engine", "testmodels", "tiny-sd-fp16").toAbsolutePath().normalize();
    /** A model without a VAE encoder (and with a fixed batch). */
    static final Path TINY_SD_BATCH1 = Path.of("..", "engine", "testmodels", "tiny-sd-batch1").toAbsolutePath().normalize();

    Path models() {
        return home.resolve("models");
    }

    /** The texts of a model's row in the Models window: name and tags, summary, where. */
    List<String> row(String name) {
        return onFx(() -> {
            Node cell = studio.modelsDialog().orElseThrow().getScene().lookup("#model-" + name);
            if (cell == null) return List.of();
            return cell.lookupAll(".label").stream().map(n -> ((Label) n).getText()).toList();
        });
    }

    List<String> pickerNames() {
        return onFx(() -> ((ComboBox<?>) lookup("#model-picker").query()).getItems().stream().map(c -> ((ModelChoice) c).name()).toList());
    }

    @Test
    void listsTheEmbeddedModelAndImportedOnesWithTheirSummariesAndThePickerFollows() throws Exception {
        waitForModel();
        openModelsView();
        assertEquals(List.of("default"), pickerNames());
        importThroughModelsView(TINY_SD_INPAINT, "painter", false);
        importThroughModelsView(TINY_SD_FP16, "half", true);

        // Embedded first, then by name; each row with the engine's summary, sizes counted here from the files.
        assertEquals(List.of("default", "half", "painter"), onFx(() -> studio.library().entries().stream().map(ModelEntry::name).toList()));
        assertEquals(List.of("default", "embedded", "in use",
                "SD 1.x · fp32 · " + Bytes.human(bytesIn(TINY_SD)) + " · 64 px · txt2img, img2img, inpainting (by blending) · preview decoder",
                "embedded in the studio · " + TINY_SD), row("default"));
        assertEquals(List.of("painter", "SD 1.x · fp32 · " + Bytes.human(bytesIn(TINY_SD_INPAINT)) + " · 64 px · txt2img, img2img, inpainting (9-channel)",
                "in the library · " + models().resolve("painter")), row("painter"));
        assertEquals(List.of("half", "linked", "SD 1.x · fp16 · " + Bytes.human(bytesIn(TINY_SD_FP16)) + " · 64 px · txt2img, img2img, inpainting (by blending)",
                "linked folder · " + models().resolve("half")), row("half"));
        assertTrue(Files.isSymbolicLink(models().resolve("half")), "linked, not copied");
        assertEquals(bytesIn(TINY_SD_INPAINT), bytesIn(models().resolve("painter")), "copied whole");
        // The picker lists exactly the library's usable models, embedded first.
        assertEquals(List.of("default", "half", "painter"), pickerNames());
        assertEquals("SD 1.x · inpainting · fp32", onFx(() -> studio.library().choices().get(2).summary()));

        // A folder that breaks outside the studio is listed with its problem and leaves the picker.
        Files.delete(models().resolve("painter").resolve("vae_decoder").resolve("model.onnx"));
        fx(() -> studio.library().refresh());
        waitUntil("the broken model's problem", () -> row("painter").size() == 3 && row("painter").get(1).startsWith("unusable: "));
        assertTrue(row("painter").get(1).contains("vae_decoder"), row("painter").toString());
        assertEquals(List.of("default", "half"), pickerNames());
        clickOn("#model-painter");
        assertTrue(lookup("#models-use").query().isDisabled(), "a broken model cannot be used");
    }

    @Test
    void eachRowSaysWhatItsModelGeneratesInTheEnginesWords() throws Exception {
        waitForModel();
        // Added as the command line adds them ('models import'): the rows are what is under test here.
        ModelLibrary library = new ModelLibrary(models(), java.util.Optional::empty, f -> Long.MAX_VALUE);
        library.importFolder(TINY_SD_INPAINT, "painter", false);
        library.importFolder(TINY_SD_BATCH1, "no-encoder", true);
        openModelsView();
        waitUntil("both new rows", () -> row("painter").size() == 3 && row("no-encoder").size() == 4);

        String painter = row("painter").get(1), plain = row("default").get(3), noEncoder = row("no-encoder").get(2);
        // The inpainting model's row says it inpaints with its own UNet; tiny-sd's that it has no such UNet
        // (it inpaints only by blending); a model without a VAE encoder's that it does neither.
        assertTrue(painter.endsWith(" · txt2img, img2img, inpainting (9-channel)"), painter);
        assertTrue(plain.contains(" · txt2img, img2img, inpainting (by blending)"), plain);
        assertFalse(plain.contains("9-channel"), plain);
        assertTrue(noEncoder.endsWith(" · txt2img only (no vae_encoder for img2img or inpainting)"), noEncoder);
        assertFalse(noEncoder.contains("img2img, inpainting"), noEncoder);
        // Word for word what 'models list' and 'info' print for the same folders.
        for (ModelEntry e : library.list()) {
            String row = row(e.name()).stream().filter(t -> t.startsWith("SD 1.x · ")).findFirst().orElseThrow();
            assertTrue(row.contains(" · " + e.info().capabilities()), e.name() + ": " + row);
            assertTrue(e.line().contains(e.info().capabilities()), e.line());
        }
        // The picker and the status bar name only a 9-channel inpainting model as one.
        useThroughModelsView("painter");
        assertTrue(lookup("#status-model").queryLabeled().getText().contains("inpainting"));
        assertEquals(List.of("SD 1.x · fp32", "SD 1.x · fp32", "SD 1.x · inpainting · fp32"),
                onFx(() -> studio.library().choices().stream().map(ModelChoice::summary).toList()));
    }

    @Test
    void useSelectsTheModelInThePicker() {
        waitForModel();
        importThroughModelsView(TINY_SD_INPAINT, "painter", false);
        useThroughModelsView("painter");
        assertEquals("painter", onFx(() -> ((ModelChoice) ((ComboBox<?>) lookup("#model-picker").query()).getValue()).name()));
        assertTrue(lookup("#status-model").queryLabeled().getText().contains("inpainting"));
        // The row learns that its model is in use when the switch lands, after the picker changes.
        waitUntil("the painter row says in use", () -> row("painter").size() >= 2 && row("painter").get(1).equals("in use"));
        assertEquals(List.of("painter", "in use"), row("painter").subList(0, 2));
    }

    @Test
    void aBrokenFolderIsRefusedWithOneLineAndNothingIsAdded() throws Exception {
        waitForModel();
        Path broken = home.resolve("not-quite-a-model");
        Files.createDirectories(broken);
        try (Stream<Path> files = Files.walk(TINY_SD)) {
            for (Path p : files.toList()) {
                Path t = broken.resolve(TINY_SD.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else if (!p.getFileName().toString().equals("model_index.json")) Files.copy(p, t);
            }
        }
        openModelsView();
        dialogs.folderAnswers.add(broken);
        clickOn("#models-import");
        waitUntil("the suggested name", () -> lookup("#import-name").queryTextInputControl().getText().equals("not-quite-a-model"));
        clickOn("#import-confirm");
        waitUntil("the error", () -> lookup("#models-message").queryLabeled().getText().contains("model_index.json"));
        String message = lookup("#models-message").queryLabeled().getText();
        assertFalse(message.contains("\n"), message);
        assertTrue(lookup("#models-message").query().getStyleClass().contains("error"));
        assertEquals(List.of("default"), onFx(() -> studio.library().entries().stream().map(ModelEntry::name).toList()));
        assertEquals(List.of("default"), pickerNames());
        assertEquals(List.of(), visibleNames(models()), "no model folder, no link");
        assertEquals(List.of(), names(models().resolve(".staging")), "no copy left behind");
        assertTrue(Files.isRegularFile(broken.resolve("unet").resolve("model.onnx")), "the artist's folder is untouched");

        // A name the library cannot take is refused the same way.
        dialogs.folderAnswers.add(TINY_SD_INPAINT);
        clickOn("#models-import");
        waitUntil("the suggested name", () -> lookup("#import-name").queryTextInputControl().getText().equals("tiny-sd-inpaint"));
        clickOn("#import-name");
        push(javafx.scene.input.KeyCode.CONTROL, javafx.scene.input.KeyCode.A);
        write("default");
        clickOn("#import-confirm");
        waitUntil("the name error", () -> lookup("#models-message").queryLabeled().getText()
                .equals("'default' is the embedded model's name; choose another"));
        assertEquals(List.of(), visibleNames(models()));
    }

    @Test
    void removeAsksFirstAndNeverRemovesTheEmbeddedModelOrTheOneInUse() throws Exception {
        waitForModel();
        importThroughModelsView(TINY_SD_INPAINT, "painter", false);
        importThroughModelsView(TINY_SD_FP16, "half", true);

        // Keep it: nothing happens.
        clickOn("#model-painter");
        clickOn("#models-remove");
        assertTrue(lookup("#remove-question").queryLabeled().getText().startsWith("Remove 'painter'? Its files are deleted"));
        clickOn("#remove-cancel");
        assertTrue(Files.isDirectory(models().resolve("painter")));

        clickOn("#models-remove");
        clickOn("#remove-confirm");
        waitUntil("painter gone", () -> studio.library().entries().stream().noneMatch(e -> e.name().equals("painter")));
        assertFalse(Files.exists(models().resolve("painter")));
        assertEquals(List.of("default", "half"), pickerNames());
        assertEquals("removed 'painter'", lookup("#models-message").queryLabeled().getText());

        // A linked model: only the link goes.
        clickOn("#model-half");
        clickOn("#models-remove");
        assertTrue(lookup("#remove-question").queryLabeled().getText().contains("Only the link is removed"));
        clickOn("#remove-confirm");
        waitUntil("half gone", () -> studio.library().entries().size() == 1);
        assertTrue(Files.isRegularFile(TINY_SD_FP16.resolve("unet").resolve("model.onnx")), "the linked folder stays");
        assertEquals(List.of(), names(models().resolve(".staging")));

        // The embedded model cannot be removed.
        clickOn("#model-default");
        assertTrue(lookup("#models-remove").query().isDisabled());

        // Nor the model in use.
        importThroughModelsView(TINY_SD_INPAINT, "painter", false);
        useThroughModelsView("painter");
        clickOn("#models-remove");
        assertEquals("'painter' is in use: pick another model first", lookup("#models-message").queryLabeled().getText());
        assertFalse(lookup("#remove-pane").query().isVisible());
        assertTrue(Files.isDirectory(models().resolve("painter")));
    }

    @Test
    void aModelAddedOutsideTheStudioAppearsWhenTheWindowOpens() throws Exception {
        waitForModel();
        openModelsView();
        clickOn("#models-close");
        // The command line ('models import') adds to the same library while the studio runs.
        new dev.emergence.engine.library.ModelLibrary(models(), java.util.Optional::empty, f -> Long.MAX_VALUE)
                .importFolder(TINY_SD_INPAINT, "from-cli", false);
        openModelsView();
        waitUntil("the new model", () -> pickerNames().contains("from-cli"));
        assertEquals(List.of("default", "from-cli"), onFx(() -> ((ListView<?>) lookup("#models-list").query()).getItems().stream()
                .map(e -> ((ModelEntry) e).name()).toList()));
    }

    static long bytesIn(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
            long total = 0;
            for (Path p : (Iterable<Path>) walk::iterator) if (Files.isRegularFile(p)) total += Files.size(p);
            return total;
        }
    }

    /** Names in a folder, hidden ones included. */
    static List<String> names(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) return List.of();
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Model folders and links in the library (not its hidden working folders). */
    static List<String> visibleNames(Path folder) throws IOException {
        return names(folder).stream().filter(n -> !n.startsWith(".")).toList();
    }
}
