package dev.emergence.engine.library;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.emergence.engine.TestFolders;
import dev.emergence.engine.model.ModelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model library over a temporary folder, with the engine's fixture bundles. */
class ModelLibraryTest {
    @TempDir
    Path temp;

    @Test
    void emptyLibraryListsOnlyTheEmbeddedModel() throws Exception {
        ModelLibrary none = Fixtures.library(temp.resolve("models"));
        assertEquals(List.of(), none.list());

        ModelLibrary withEmbedded = new ModelLibrary(temp.resolve("models"), () -> Optional.of(Fixtures.TINY), f -> Long.MAX_VALUE);
        List<ModelEntry> list = withEmbedded.list();
        assertEquals(1, list.size());
        ModelEntry e = list.get(0);
        assertEquals(ModelLibrary.EMBEDDED_NAME, e.name());
        assertEquals(ModelEntry.Source.EMBEDDED, e.source());
        assertTrue(e.usable(), e.problem());
        Fixtures.assertInfoMatches("tiny-sd", e.info());
        assertEquals(Fixtures.bytesIn(Fixtures.TINY), e.info().sizeOnDiskBytes());
    }

    @Test
    void importCopiesValidatesAndListsWithTheEnginesSummary() throws Exception {
        ModelLibrary lib = Fixtures.library(temp.resolve("models"));
        ModelEntry added = lib.importFolder(Fixtures.TINY_INPAINT, "My inpainter", false);
        assertEquals(ModelEntry.Source.COPIED, added.source());
        assertEquals(temp.resolve("models").resolve("My inpainter").toAbsolutePath(), added.folder());
        Fixtures.assertInfoMatches("tiny-sd-inpaint", added.info());
        assertEquals("My inpainter", added.info().name());

        // Every file copied byte for byte.
        for (String f : List.of("unet/model.onnx", "unet/model.onnx_data", "tokenizer/vocab.json", "model_index.json")) {
            assertArrayEquals(Files.readAllBytes(Fixtures.TINY_INPAINT.resolve(f)), Files.readAllBytes(added.folder().resolve(f)), f);
        }
        List<ModelEntry> list = lib.list();
        assertEquals(1, list.size());
        assertEquals("My inpainter", list.get(0).name());
        assertEquals("fp32", list.get(0).precision());
        assertEquals(Fixtures.bytesIn(Fixtures.TINY_INPAINT), list.get(0).info().sizeOnDiskBytes());
        // Nothing left in staging, and no stray files beside the model except the hidden folders.
        assertEquals(List.of(), Fixtures.names(lib.root().resolve(ModelLibrary.STAGING)));
        assertEquals(List.of(".staging", ".summaries", "My inpainter"), Fixtures.names(lib.root()));
    }

    @Test
    void aBrokenFolderIsRefusedWithTheEnginesReasonAndNothingIsAdded() throws Exception {
        Path broken = Fixtures.copy(Fixtures.TINY, temp.resolve("broken"));
        Files.delete(broken.resolve("unet/model.onnx"));
        ModelLibrary lib = Fixtures.library(temp.resolve("models"));

        ModelException e = assertThrows(ModelException.class, () -> lib.importFolder(broken, "broken", false));
        // ModelBundle's message for a missing file: "<folder>/unet/model.onnx not found: expected a diffusers ONNX ..."
        assertTrue(e.getMessage().contains("unet/model.onnx not found"), e.getMessage());
        assertEquals(List.of(), lib.list());
        assertEquals(List.of(), Fixtures.names(lib.root().resolve(ModelLibrary.STAGING)));

        assertThrows(ModelException.class, () -> lib.importFolder(broken, "broken", true));
        assertEquals(List.of(), lib.list());
        assertThrows(ModelException.class, () -> lib.importFolder(temp.resolve("nowhere"), "x", false));
    }

    @Test
    void linkedModelsPointAtTheirFolderAndRemovingOneKeepsTheFolder() throws Exception {
        Path mine = Fixtures.copy(Fixtures.TINY_FP16, temp.resolve("artist/my-fp16"));
        ModelLibrary lib = Fixtures.library(temp.resolve("models"));
        ModelEntry linked = lib.importFolder(mine, "fp16 link", true);
        assertEquals(ModelEntry.Source.LINKED, linked.source());
        assertTrue(Files.isSymbolicLink(lib.root().resolve("fp16 link")));
        assertEquals(mine.toRealPath(), Files.readSymbolicLink(lib.root().resolve("fp16 link")));

        ModelEntry listed = lib.list().get(0);
        assertEquals(ModelEntry.Source.LINKED, listed.source());
        assertEquals("fp16", listed.precision());
        Fixtures.assertInfoMatches("tiny-sd-fp16", listed.info());
        // The size counts the linked folder's files, not the link.
        assertEquals(Fixtures.bytesIn(mine), listed.info().sizeOnDiskBytes());

        lib.remove("FP16 LINK"); // names compare case-insensitively, as on macOS and Windows
        assertEquals(List.of(), lib.list());
        assertTrue(Files.isRegularFile(mine.resolve("unet/model.onnx")), "the artist's folder must survive");
        assertEquals(Fixtures.bytesIn(Fixtures.TINY_FP16), Fixtures.bytesIn(mine));
    }

    @Test
    void aLinkWhoseFolderWentAwayIsListedAsUnusable() throws Exception {
        Path mine = Fixtures.copy(Fixtures.TINY, temp.resolve("elsewhere/tiny"));
        ModelLibrary lib = Fixtures.library(temp.resolve("models"));
        lib.importFolder(mine, "gone", true);
        FileTrees.deleteRecursively(temp.resolve("elsewhere"));
        ModelEntry e = lib.list().get(0);
        assertFalse(e.usable());
        assertNull(e.info());
        assertTrue(e.problem().contains("no longer exists"), e.problem());
        lib.remove("gone");
        assertEquals(List.of(), lib.list());
    }

    @Test
    void removeDeletesACopiedModelAndItsSummary() throws Exception {
        ModelLibrary lib = Fixtures.library(temp.resolve("models"));
        lib.importFolder(Fixtures.TINY, "one", false);
        lib.importFolder(Fixtures.TINY_FP16, "two", false);
        assertEquals(List.of("one", "two"), lib.list().stream().map(ModelEntry::name).toList());
        lib.remove("one");
        assertEquals(List.of("two"), lib.list().stream().map(ModelEntry::name).toList());
        assertEquals(List.of(".staging", ".summaries", "two"), Fixtures.names(lib.root()));
        assertEquals(List.of("two.json"), Fixtures.names(lib.root().resolve(ModelSummaries.FOLDER)));
        assertEquals(List.of(), Fixtures.names(lib.root().resolve(ModelLibrary.STAGING)));
        LibraryException e = assertThrows(LibraryException.class, () -> lib.remove("one"));
        assertTrue(e.getMessage().startsWith("no model named 'one'"), e.getMessage());
        assertThrows(LibraryException.class, () -> lib.remove("default"));
    }

    @Test
    void namesAreCheckedAndNotTakenTwice() throws Exception {
        ModelLibrary lib = Fixtures.library(temp.resolve("models"));
        lib.importFolder(Fixtures.TINY, "tiny", false);
        LibraryException taken = assertThrows(LibraryException.class, () -> lib.importFolder(Fixtures.TINY, "TINY", false));
        assertTrue(taken.getMessage().contains("already has a model named 'tiny'"), taken.getMessage());
        for (String bad : new String[] {"", ".hidden", "a/b", "..", "trailing.", "trailing ", "default", "Default", "x".repeat(101)}) {
            assertThrows(LibraryException.class, () -> lib.importFolder(Fixtures.TINY, bad, false), bad);
        }
        assertEquals(1, lib.list().size());
        assertEquals("stable-diffusion-v1-5-ONNX", ModelLibrary.suggestName("stable-diffusion-v1-5-ONNX"));
        assertEquals("owner-repo onnx", ModelLibrary.suggestName("owner/repo onnx"));
        assertEquals("default-1", ModelLibrary.suggestName("default"));
        ModelLibrary.checkName(ModelLibrary.suggestName("..//weird::name.."));
    }

    /**
     * The loras folder holds LoRA files, not a model: never listed as one, its name never given to
     * a model, and only regular .safetensors files directly in it are LoRAs (links are not followed).
     */
    @Test
    void theLorasFolderListsItsSafetensorsFilesAndIsNeverAModel() throws Exception {
        ModelLibrary lib = Fixtures.library(temp.resolve("models"));
        assertEquals(List.of(), lib.listLoras(), "no folder yet");
        Path loras = Files.createDirectories(lib.lorasFolder());
        Files.write(loras.resolve("Ink Style.safetensors"), new byte[] {1, 2, 3});
        Files.write(loras.resolve("cat.SAFETENSORS"), new byte[] {1});
        Files.write(loras.resolve("notes.txt"), new byte[] {1});
        Files.write(loras.resolve(".hidden.safetensors"), new byte[] {1});
        Files.createDirectories(loras.resolve("folder.safetensors"));
        Path outside = Files.write(temp.resolve("outside.safetensors"), new byte[] {1});
        Files.createSymbolicLink(loras.resolve("linked.safetensors"), outside);

        List<LoraEntry> found = lib.listLoras();
        assertEquals(List.of("cat", "Ink Style"), found.stream().map(LoraEntry::name).toList());
        assertEquals(3, found.get(1).bytes());
        assertEquals(List.of(), lib.list(), "the loras folder is not a model");
        assertFalse(lib.contains("loras"));
        LibraryException reserved = assertThrows(LibraryException.class, () -> lib.importFolder(Fixtures.TINY, "Loras", false));
        assertEquals("'Loras' is the library's folder for LoRA files; choose another name", reserved.getMessage());
        assertEquals("loras-1", ModelLibrary.suggestName("loras"));
    }

    /** The controlnets folder: folders in it holding a model.onnx are ControlNets; it is never a model. */
    @Test
    void theControlNetsFolderListsItsControlNetsAndIsNeverAModel() throws Exception {
        ModelLibrary lib = Fixtures.library(temp.resolve("models"));
        assertEquals(List.of(), lib.listControlNets());
        Path nets = Files.createDirectories(lib.controlNetsFolder());
        Files.write(Files.createDirectories(nets.resolve("scribble")).resolve("model.onnx"), new byte[] {1});
        Files.write(Files.createDirectories(nets.resolve("Canny")).resolve("model.onnx"), new byte[] {1});
        Files.createDirectories(nets.resolve("empty"));
        Path outside = Files.createDirectories(temp.resolve("elsewhere"));
        Files.write(outside.resolve("model.onnx"), new byte[] {1});
        Files.createSymbolicLink(nets.resolve("linked"), outside);
        assertEquals(List.of("Canny", "scribble"), lib.listControlNets().stream().map(ControlNetEntry::name).toList());
        assertEquals(List.of(), lib.list());
        LibraryException reserved = assertThrows(LibraryException.class, () -> lib.importFolder(Fixtures.TINY, "controlnets", false));
        assertEquals("'controlnets' is the library's folder for ControlNets; choose another name", reserved.getMessage());
    }

    /** The embedded model's own controlnets folder is listed after the library's; a library ControlNet of the same name wins. */
    @Test
    void theEmbeddedModelsControlNetsAreListedUnlessTheLibraryHasTheName() throws Exception {
        Path embedded = TestFolders.copy(Fixtures.TINY, temp.resolve("embedded"));
        Path own = Files.createDirectories(embedded.resolve("controlnets"));
        Files.write(Files.createDirectories(own.resolve("scribble")).resolve("model.onnx"), new byte[] {1});
        Files.write(Files.createDirectories(own.resolve("tile")).resolve("model.onnx"), new byte[] {1});
        Files.createDirectories(own.resolve("empty"));
        ModelLibrary lib = new ModelLibrary(temp.resolve("models"), () -> Optional.of(embedded), f -> Long.MAX_VALUE);
        assertEquals(List.of(own.resolve("scribble"), own.resolve("tile")),
                lib.listControlNets().stream().map(ControlNetEntry::folder).toList());
        Path mine = Files.createDirectories(lib.controlNetsFolder().resolve("Scribble"));
        Files.write(mine.resolve("model.onnx"), new byte[] {1});
        assertEquals(List.of(mine, own.resolve("tile")), lib.listControlNets().stream().map(ControlNetEntry::folder).toList());
    }

    @Test
    void notEnoughSpaceForTheCopyIsRefusedBeforeCopying() throws Exception {
        ModelLibrary lib = new ModelLibrary(temp.resolve("models"), Optional::empty, folder -> 1000);
        LibraryException e = assertThrows(LibraryException.class, () -> lib.importFolder(Fixtures.TINY, "tiny", false));
        // tiny-sd holds about 700 KiB; the message names what is needed and what is free.
        assertTrue(e.getMessage().startsWith("not enough free disk space in "), e.getMessage());
        assertTrue(e.getMessage().contains("needs " + Bytes.human(Fixtures.bytesIn(Fixtures.TINY)) + ", 1000 B is free"), e.getMessage());
        assertEquals(List.of(), lib.list());
    }

    @Test
    void listingUsesTheCachedSummaryUntilTheModelsFilesChange() throws Exception {
        ModelLibrary lib = Fixtures.library(temp.resolve("models"));
        lib.importFolder(Fixtures.TINY, "tiny", false);
        Path cache = lib.root().resolve(ModelSummaries.FOLDER).resolve("tiny.json");
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode json = (ObjectNode) mapper.readTree(cache.toFile());
        ((ObjectNode) json.get("info")).put("family", "from the cache");
        Files.writeString(cache, mapper.writeValueAsString(json));
        assertEquals("from the cache", lib.list().get(0).info().family(), "an unchanged model is not reopened");

        Path vocab = lib.root().resolve("tiny/tokenizer/vocab.json");
        Files.setLastModifiedTime(vocab, FileTime.fromMillis(Files.getLastModifiedTime(vocab).toMillis() + 5000));
        assertEquals("SD 1.x", lib.list().get(0).info().family(), "a changed model is opened again");

        Files.writeString(cache, "not json");
        assertEquals("SD 1.x", lib.list().get(0).info().family(), "a broken cache entry is rebuilt");
    }

    @Test
    void aModelBrokenAfterImportIsListedWithTheReason() throws Exception {
        ModelLibrary lib = Fixtures.library(temp.resolve("models"));
        lib.importFolder(Fixtures.TINY, "tiny", false);
        Files.writeString(lib.root().resolve("tiny/model_index.json"), "{ not json");
        ModelEntry e = lib.list().get(0);
        assertFalse(e.usable());
        assertTrue(e.problem().contains("model_index.json: not valid JSON"), e.problem());
        assertTrue(e.line().contains("unusable: "), e.line());
    }
}
