package dev.emergence.engine.cli;

import dev.emergence.engine.library.DataFolders;
import dev.emergence.engine.library.ModelLibrary;
import dev.emergence.engine.model.DefaultModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --model NAME}: library models by name on the command line, with the user's data folder pointed at a temporary one. */
class ModelArgumentTest {
    @TempDir
    Path temp;

    String previousDataDir;
    String previousDefaultModel;

    @BeforeEach
    void useATemporaryDataFolder() throws Exception {
        previousDataDir = System.getProperty(DataFolders.PROPERTY);
        previousDefaultModel = System.getProperty(DefaultModel.PROPERTY);
        System.setProperty(DataFolders.PROPERTY, temp.resolve("data").toString());
        // No embedded model: the library's own models are the only names.
        System.setProperty(DefaultModel.PROPERTY, temp.resolve("no-embedded-model").toString());
        ModelLibrary library = new ModelLibrary(DataFolders.modelsFolder(), Optional::empty, folder -> Long.MAX_VALUE);
        library.importFolder(CliTest.TINY_INPAINT, "Painter", false);
        library.importFolder(CliTest.TINY, "testmodels", false);
    }

    @AfterEach
    void restore() {
        restore(DataFolders.PROPERTY, previousDataDir);
        restore(DefaultModel.PROPERTY, previousDefaultModel);
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }

    @Test
    void generateAndInfoTakeALibraryModelByName() throws Exception {
        Path out = temp.resolve("by-name.png");
        CliRun g = CliTest.cli("generate", "--model", "painter", "--prompt", "a red circle", "--steps", "2", "--seed", "7",
                "--out", out.toString(), "--device", "cpu");
        assertEquals(ExitCodes.OK, g.code(), g.err());
        assertTrue(Files.isRegularFile(out));
        // The name is matched without regard to case and the library's copy is what runs.
        assertTrue(g.err().contains("model Painter (SD 1.x, inpainting)"), g.err());

        CliRun info = CliTest.cli("info", "--model", "Painter", "--json");
        assertEquals(ExitCodes.OK, info.code(), info.err());
        assertTrue(info.out().contains("\"inpainting\" : true"), info.out());
        assertTrue(info.out().contains(DataFolders.modelsFolder().resolve("Painter").toString().replace("\\", "\\\\")), info.out());

        CliRun tokens = CliTest.cli("tokenize", "--model", "Painter", "a", "cat");
        assertEquals(ExitCodes.OK, tokens.code(), tokens.err());
        assertEquals(CliTest.cli("tokenize", "--model", CliTest.TINY_INPAINT.toString(), "a", "cat").out(), tokens.out());
    }

    @Test
    void anExistingFolderWinsOverALibraryModelOfTheSameName() {
        // The working directory holds a folder 'testmodels' (not a model); the library holds a model of that name.
        assertTrue(Files.isDirectory(Path.of("testmodels")));
        CliRun r = CliTest.cli("info", "--model", "testmodels");
        assertEquals(ExitCodes.BAD_MODEL, r.code(), r.out());
        assertTrue(r.err().startsWith("error: testmodels"), "the folder was opened, not the library model: " + r.err());
    }

    @Test
    void anUnknownNameIsOneLineListingTheAvailableModels() {
        CliRun r = CliTest.cli("generate", "--model", "nosuch", "--prompt", "x", "--out", temp.resolve("x.png").toString());
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertEquals("error: model: 'nosuch' is neither a folder nor a model in the library " + DataFolders.modelsFolder()
                + "; available: Painter, testmodels", r.err().strip());
        assertTrue(Files.notExists(temp.resolve("x.png")));
    }

    @Test
    void aMissingPathStaysAMissingFolder() {
        String missing = temp.resolve("gone").resolve("model").toString();
        CliRun r = CliTest.cli("info", "--model", missing);
        assertEquals(ExitCodes.BAD_MODEL, r.code());
        assertEquals("error: " + missing + ": model folder not found", r.err().strip());
    }

    @Test
    void aBrokenLibraryModelSaysWhy() throws Exception {
        Files.delete(DataFolders.modelsFolder().resolve("Painter").resolve("unet").resolve("model.onnx"));
        CliRun r = CliTest.cli("info", "--model", "Painter");
        assertEquals(ExitCodes.BAD_MODEL, r.code());
        assertTrue(r.err().strip().startsWith("error: model 'Painter' in the library cannot be used: "), r.err());
        assertTrue(r.err().contains("unet"), r.err());
    }
}
