package dev.emergence.engine.library;

import dev.emergence.engine.cli.CliRun;
import dev.emergence.engine.cli.ExitCodes;
import dev.emergence.engine.model.HostileOnnx;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.pipeline.CancellationToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model folders that would read files outside themselves are refused by {@code models import} (copy
 * and link) and {@code models download} before they enter the library, and what was copied or
 * fetched for them is deleted. Each test builds its hostile folder from a copy of the tiny fixture.
 */
class HostileModelsTest {
    @TempDir
    Path temp;

    HubServer server;
    ModelLibrary library;

    @BeforeEach
    void start() throws Exception {
        server = new HubServer();
        library = Fixtures.library(temp.resolve("models"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A copy of tiny-sd whose UNet keeps a tensor in {@code location}. */
    Path withUnetData(String location) throws Exception {
        Path dir = Fixtures.copy(Fixtures.TINY, temp.resolve("hostile"));
        Files.write(dir.resolve("unet/model.onnx"), HostileOnnx.withExternal(location));
        return dir;
    }

    private void assertNothingAdded() throws Exception {
        assertEquals(List.of(), library.list());
        assertEquals(List.of(), Fixtures.names(library.root().resolve(ModelLibrary.STAGING)), "staging is emptied");
    }

    @Test
    void importRefusesAnAbsoluteOrClimbingLocationAsCopyAndAsLink() throws Exception {
        Path dir = withUnetData("/etc/passwd");
        for (boolean link : new boolean[] {false, true}) {
            ModelException e = assertThrows(ModelException.class, () -> library.importFolder(dir, "hostile", link));
            assertTrue(e.getMessage().endsWith("unet/model.onnx: external data '/etc/passwd' leaves the model folder (an absolute path);"
                    + " expected a file inside it"), e.getMessage());
            assertNothingAdded();
        }
        Files.write(temp.resolve("secret.txt"), "secret".getBytes());
        Files.write(dir.resolve("unet/model.onnx"), HostileOnnx.withExternal("../../secret.txt"));
        ModelException e = assertThrows(ModelException.class, () -> library.importFolder(dir, "hostile", false));
        assertTrue(e.getMessage().contains("external data '../../secret.txt' leaves the model folder"), e.getMessage());
        assertNothingAdded();
    }

    @Test
    void importRefusesALinkOutBeforeCopyingWhatItLeadsTo() throws Exception {
        Path dir = Fixtures.copy(Fixtures.TINY, temp.resolve("hostile"));
        Path secret = Files.write(temp.resolve("secret.bin"), new byte[259072]);
        Files.delete(dir.resolve("unet/weights.pb"));
        Files.createSymbolicLink(dir.resolve("unet/weights.pb"), secret);
        ModelException e = assertThrows(ModelException.class, () -> library.importFolder(dir, "hostile", false));
        assertEquals("hostile/unet/weights.pb leaves the model folder (it leads to " + secret.toRealPath() + "); expected a file inside it",
                e.getMessage());
        assertNothingAdded();
    }

    @Test
    void aLinkLoopOnImportIsOneLineWithExitCode3() throws Exception {
        Path dir = Fixtures.copy(Fixtures.TINY, temp.resolve("looped"));
        Files.createSymbolicLink(dir.resolve("tokenizer/up"), dir);
        Files.createSymbolicLink(dir.resolve("self"), dir.resolve("self"));
        CliRun run = CliRun.of("models", "import", dir.toString(), "--library", library.root().toString());
        assertEquals(ExitCodes.BAD_MODEL, run.code(), run.err());
        List<String> errors = run.err().lines().filter(l -> l.startsWith("error") || l.startsWith("internal") || l.startsWith("\t")).toList();
        assertEquals(1, errors.size(), run.err());
        assertTrue(errors.get(0).startsWith("error: looped/"), run.err());
        assertTrue(errors.get(0).contains("a link that leads nowhere") || errors.get(0).contains("(a loop)"), run.err());
        assertNothingAdded();
    }

    @Test
    void aLinkedModelWhoseFolderLaterLoopsIsListedWithItsReasonNotACrash() throws Exception {
        Path dir = Fixtures.copy(Fixtures.TINY, temp.resolve("linked"));
        library.importFolder(dir, "linked", true);
        Files.createSymbolicLink(dir.resolve("unet/up"), dir);
        ModelEntry entry = library.list().get(0);
        assertFalse(entry.usable());
        assertTrue(entry.problem().contains("(a loop)"), entry.problem());
        CliRun list = CliRun.of("models", "list", "--library", library.root().toString());
        assertEquals(ExitCodes.OK, list.code(), list.err());
    }

    @Test
    void aDownloadedPreviewDecoderNamingAFileOutsideIsRefused() throws Exception {
        library.importFolder(Fixtures.TINY, "tiny", false);
        Path decoder = Files.createDirectories(temp.resolve("taesd/vae_decoder"));
        Files.write(decoder.resolve("model.onnx"), HostileOnnx.withExternal("/etc/passwd"));
        server.publish("evil/taesd", "main", temp.resolve("taesd"), Map.of());
        ModelDownloader d = new ModelDownloader(new HubClient(server.base(), null), library, 2, Duration.ZERO, Duration.ofSeconds(20));
        ModelException e = assertThrows(ModelException.class, () -> d.downloadPreviewDecoder("evil/taesd", "main", null, "tiny", true,
                DownloadListener.NONE, new CancellationToken()));
        assertEquals("vae_decoder/model.onnx from evil/taesd does not work as a preview decoder for 'tiny': tiny/vae_preview/model.onnx:"
                + " external data '/etc/passwd' leaves the model folder (an absolute path); expected a file inside it", e.getMessage());
        // The model keeps its own decoder, and nothing is left in staging.
        assertTrue(Files.isRegularFile(library.root().resolve("tiny/vae_preview/model.onnx")));
        assertEquals(Files.size(Fixtures.TINY.resolve("vae_preview/model.onnx")), Files.size(library.root().resolve("tiny/vae_preview/model.onnx")));
        assertEquals(List.of(), Fixtures.names(library.root().resolve(ModelLibrary.STAGING)));
    }

    @Test
    void downloadRefusesAHostileGraphAndDeletesWhatItFetched() throws Exception {
        Path dir = withUnetData("../../../../../../../../proc/self/environ");
        server.publish("evil/tiny", "main", dir, Map.of());
        ModelDownloader d = new ModelDownloader(new HubClient(server.base(), null), library, 2, Duration.ZERO, Duration.ofSeconds(20));
        ModelException e = assertThrows(ModelException.class,
                () -> d.download("evil/tiny", "main", "evil", DownloadListener.NONE, new CancellationToken()));
        assertTrue(e.getMessage().startsWith("evil/tiny at 'main' was downloaded but cannot be used, so it was not added: "), e.getMessage());
        assertTrue(e.getMessage().contains("external data '../../../../../../../../proc/self/environ' leaves the model folder"), e.getMessage());
        assertNothingAdded();

        CliRun run = CliRun.of("models", "download", "evil/tiny", "--library", library.root().toString(), "--hub", server.base().toString());
        assertEquals(ExitCodes.BAD_MODEL, run.code(), run.err());
        assertFalse(run.err().contains("internal error"), run.err());
        assertNothingAdded();
    }
}
