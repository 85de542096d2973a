package dev.emergence.engine.library;

import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.pipeline.CancellationToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Downloads from a local stand-in for the hub ({@link HubServer}) serving the engine's tiny fixture
 * model the way the hub serves a diffusers ONNX repository, with the faults a real network has.
 */
class HubDownloadTest {
    static final String REPO = "test/tiny-sd";

    @TempDir
    Path temp;

    HubServer server;
    String commit;
    ModelLibrary library;

    @BeforeEach
    void start() throws IOException {
        server = new HubServer();
        commit = server.publish(REPO, "main", Fixtures.TINY, extras());
        library = Fixtures.library(temp.resolve("models"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** What real repositories carry beside the ONNX export and a model download must skip. */
    static Map<String, byte[]> extras() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("README.md", "# tiny\n".getBytes(StandardCharsets.UTF_8));
        m.put(".gitattributes", "*.onnx filter=lfs diff=lfs merge=lfs -text\n".getBytes(StandardCharsets.UTF_8));
        m.put("safety_checker/model.onnx", random(20_000, 1));
        m.put("feature_extractor/preprocessor_config.json", "{}".getBytes(StandardCharsets.UTF_8));
        m.put("unet/diffusion_pytorch_model.safetensors", random(30_000, 2));
        m.put("text_encoder/pytorch_model.bin", random(30_000, 3));
        return m;
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    ModelDownloader downloader() {
        return new ModelDownloader(new HubClient(server.base(), null), library, 3, Duration.ZERO, Duration.ofSeconds(20));
    }

    /** The fixture's files an ONNX bundle needs: all of them (tiny-sd is an ONNX export already). */
    static List<String> fixtureFiles() throws IOException {
        try (Stream<Path> walk = Files.walk(Fixtures.TINY)) {
            return walk.filter(Files::isRegularFile).map(p -> Fixtures.TINY.relativize(p).toString().replace('\\', '/')).sorted().toList();
        }
    }

    @Test
    void listsEveryFileAcrossPagesWithSizesAndLfsDigests() throws Exception {
        HubClient hub = new HubClient(server.base(), null);
        assertEquals(commit, hub.resolveCommit(REPO, "main"));
        List<HubFile> files = hub.listFiles(REPO, commit);
        assertEquals(fixtureFiles().size() + extras().size(), files.size());
        assertTrue(server.log.stream().filter(r -> r.path().contains("/tree/")).count() > 3, "the listing comes in several pages");
        HubFile weights = files.stream().filter(f -> f.path().equals("unet/weights.pb")).findFirst().orElseThrow();
        HubServer.Blob blob = server.blob(commit, "unet/weights.pb");
        assertTrue(weights.isLfs());
        assertEquals(blob.sha256(), weights.sha256());
        assertEquals(Files.size(Fixtures.TINY.resolve("unet/weights.pb")), weights.size());
        HubFile index = files.stream().filter(f -> f.path().equals("model_index.json")).findFirst().orElseThrow();
        assertFalse(index.isLfs());
        assertEquals(server.blob(commit, "model_index.json").gitOid(), index.gitOid());
    }

    @Test
    void downloadsOnlyTheOnnxBundleVerifiesItAndAddsItToTheLibrary() throws Exception {
        List<DownloadProgress> reports = new ArrayList<>();
        List<String> stages = new ArrayList<>();
        DownloadListener listener = new DownloadListener() {
            @Override
            public void stage(String message) {
                stages.add(message);
            }

            @Override
            public void progress(DownloadProgress p) {
                reports.add(p);
            }
        };
        ModelEntry entry = downloader().download(REPO, "main", "tiny", listener, new CancellationToken());

        assertEquals("tiny", entry.name());
        assertEquals(ModelEntry.Source.COPIED, entry.source());
        Fixtures.assertInfoMatches("tiny-sd", entry.info());
        for (String f : fixtureFiles()) {
            assertArrayEquals(Files.readAllBytes(Fixtures.TINY.resolve(f)), Files.readAllBytes(entry.folder().resolve(f)), f);
        }
        assertEquals(Fixtures.bytesIn(Fixtures.TINY), Fixtures.bytesIn(entry.folder()), "nothing but the bundle's files");
        for (String skipped : extras().keySet()) {
            assertEquals(List.of(), server.requestsFor(skipped), skipped + " must not be downloaded");
        }
        // LFS content comes from the CDN after a redirect, small files from the hub itself.
        assertEquals(List.of("hub:302", "cdn:200"), server.requestsFor("unet/weights.pb").stream().map(r -> r.server() + ":" + r.status()).toList());
        assertEquals(List.of("hub:200"), server.requestsFor("model_index.json").stream().map(r -> r.server() + ":" + r.status()).toList());

        DownloadProgress last = reports.get(reports.size() - 1);
        assertEquals(Fixtures.bytesIn(Fixtures.TINY), last.bytesTotal());
        assertEquals(last.bytesTotal(), last.bytesDone());
        assertEquals(fixtureFiles().size(), last.fileCount());
        assertEquals(last.fileCount(), last.fileIndex());
        for (int i = 1; i < reports.size(); i++) assertTrue(reports.get(i).bytesDone() >= reports.get(i - 1).bytesDone(), "progress only grows");
        assertTrue(stages.get(stages.size() - 1).contains("added 'tiny'"), stages.toString());

        assertEquals(List.of("tiny"), library.list().stream().map(ModelEntry::name).toList());
        assertEquals(List.of(), Fixtures.names(library.root().resolve(ModelLibrary.STAGING)), "staging is emptied");
    }

    @Test
    void anInterruptedTransferContinuesWithARangeRequestInsteadOfStartingAgain() throws Exception {
        long size = Files.size(Fixtures.TINY.resolve("text_encoder/model.onnx"));
        server.cutAfterOnce.put("text_encoder/model.onnx", 100_000L);
        ModelEntry entry = downloader().download(REPO, "main", "tiny", DownloadListener.NONE, new CancellationToken());
        assertArrayEquals(Files.readAllBytes(Fixtures.TINY.resolve("text_encoder/model.onnx")),
                Files.readAllBytes(entry.folder().resolve("text_encoder/model.onnx")));

        List<HubServer.Request> cdn = server.requestsFor("text_encoder/model.onnx").stream().filter(r -> r.server().equals("cdn")).toList();
        assertEquals(2, cdn.size(), cdn.toString());
        assertNull(cdn.get(0).range());
        assertEquals(100_000L, cdn.get(0).bytesSent());
        assertEquals("bytes=100000-", cdn.get(1).range());
        assertEquals(206, cdn.get(1).status());
        assertEquals(size, cdn.get(0).bytesSent() + cdn.get(1).bytesSent(), "every byte sent once");
    }

    @Test
    void aServerThatIgnoresRangesStillGivesTheRightFile() throws Exception {
        server.ignoreRanges = true;
        server.cutAfterOnce.put("unet/weights.pb", 50_000L);
        ModelEntry entry = downloader().download(REPO, "main", "tiny", DownloadListener.NONE, new CancellationToken());
        assertArrayEquals(Files.readAllBytes(Fixtures.TINY.resolve("unet/weights.pb")), Files.readAllBytes(entry.folder().resolve("unet/weights.pb")));
        List<HubServer.Request> cdn = server.requestsFor("unet/weights.pb").stream().filter(r -> r.server().equals("cdn")).toList();
        assertEquals("bytes=50000-", cdn.get(1).range());
        assertEquals(200, cdn.get(1).status(), "the whole file again, written from the start");
    }

    @Test
    void aStalledConnectionIsDroppedAndResumed() throws Exception {
        server.stallAfterOnce.put("vae_decoder/model.onnx", 20_000L);
        ModelDownloader quick = new ModelDownloader(new HubClient(server.base(), null), library, 3, Duration.ZERO, Duration.ofMillis(400));
        ModelEntry entry = quick.download(REPO, "main", "tiny", DownloadListener.NONE, new CancellationToken());
        assertArrayEquals(Files.readAllBytes(Fixtures.TINY.resolve("vae_decoder/model.onnx")),
                Files.readAllBytes(entry.folder().resolve("vae_decoder/model.onnx")));
        List<HubServer.Request> cdn = server.requestsFor("vae_decoder/model.onnx").stream().filter(r -> r.server().equals("cdn")).toList();
        assertEquals("bytes=20000-", cdn.get(cdn.size() - 1).range());
    }

    @Test
    void aTemporaryServerErrorIsRetried() throws Exception {
        server.unavailableOnce.add("model_index.json");
        ModelEntry entry = downloader().download(REPO, "main", "tiny", DownloadListener.NONE, new CancellationToken());
        assertTrue(entry.usable());
        assertEquals(List.of(503, 200), server.requestsFor("model_index.json").stream().map(HubServer.Request::status).toList());
    }

    @Test
    void cancellingKeepsThePartialFileAndTheNextRunResumesIt() throws Exception {
        server.slow.add("text_encoder/model.onnx");
        CancellationToken cancel = new CancellationToken();
        DownloadListener cancelMidFile = new DownloadListener() {
            @Override
            public void progress(DownloadProgress p) {
                if (p.file().equals("text_encoder/model.onnx") && p.fileBytesDone() > 30_000) cancel.cancel();
            }
        };
        CancellationException e = assertThrows(CancellationException.class,
                () -> downloader().download(REPO, "main", "tiny", cancelMidFile, cancel));
        assertTrue(e.getMessage().contains("resume"), e.getMessage());
        assertEquals(List.of(), library.list(), "nothing added");

        Path part;
        try (Stream<Path> walk = Files.walk(library.root().resolve(ModelLibrary.STAGING))) {
            part = walk.filter(p -> p.toString().endsWith("model.onnx.part")).findFirst().orElseThrow();
        }
        long kept = Files.size(part);
        long size = Files.size(Fixtures.TINY.resolve("text_encoder/model.onnx"));
        assertTrue(kept > 30_000 && kept < size, "part of " + kept + " bytes");

        server.slow.clear();
        int indexRequests = server.requestsFor("model_index.json").size();
        ModelEntry entry = downloader().download(REPO, "main", "tiny", DownloadListener.NONE, new CancellationToken());
        assertArrayEquals(Files.readAllBytes(Fixtures.TINY.resolve("text_encoder/model.onnx")),
                Files.readAllBytes(entry.folder().resolve("text_encoder/model.onnx")));
        List<HubServer.Request> cdn = server.requestsFor("text_encoder/model.onnx").stream().filter(r -> r.server().equals("cdn")).toList();
        assertEquals("bytes=" + kept + "-", cdn.get(cdn.size() - 1).range(), "resumed where the cancelled run stopped");
        assertEquals(indexRequests, server.requestsFor("model_index.json").size(), "files finished before are not fetched again");
    }

    @Test
    void aCancelledDownloadCanBeDiscardedInsteadOfResumed() throws Exception {
        server.slow.add("text_encoder/model.onnx");
        CancellationToken cancel = new CancellationToken();
        DownloadListener cancelMidFile = new DownloadListener() {
            @Override
            public void progress(DownloadProgress p) {
                if (p.file().equals("text_encoder/model.onnx") && p.fileBytesDone() > 30_000) cancel.cancel();
            }
        };
        // Another download's leftovers are not touched.
        server.publish(REPO, "onnx", Fixtures.TINY, Map.of());
        server.unavailableOnce.add("model_index.json");
        ModelDownloader once = new ModelDownloader(new HubClient(server.base(), null), library, 1, Duration.ZERO, Duration.ofSeconds(20));
        assertThrows(LibraryException.class, () -> once.download(REPO, "onnx", "other", DownloadListener.NONE, new CancellationToken()));
        List<String> before = Fixtures.names(library.root().resolve(ModelLibrary.STAGING));
        assertEquals(1, before.size(), before.toString());

        assertThrows(CancellationException.class, () -> downloader().download(REPO, "main", "tiny", cancelMidFile, cancel));
        assertEquals(2, Fixtures.names(library.root().resolve(ModelLibrary.STAGING)).size(), "the partial download is kept for resuming");
        downloader().discardPartial(REPO, "main");
        assertEquals(before, Fixtures.names(library.root().resolve(ModelLibrary.STAGING)));
        assertEquals(List.of(), library.list());
        downloader().discardPartial(REPO, "main"); // Nothing left to discard: no error.
    }

    @Test
    void aFileWithTheWrongChecksumIsRejectedAndNothingIsAdded() throws Exception {
        byte[] bad = Files.readAllBytes(Fixtures.TINY.resolve("vae_decoder/model.onnx"));
        bad[bad.length / 2] ^= 1;
        server.corrupt.put("vae_decoder/model.onnx", bad);
        String expected = server.blob(commit, "vae_decoder/model.onnx").sha256();
        LibraryException e = assertThrows(LibraryException.class,
                () -> downloader().download(REPO, "main", "tiny", DownloadListener.NONE, new CancellationToken()));
        assertEquals("vae_decoder/model.onnx: checksum mismatch, expected sha256 " + expected + " but got "
                + sha256(bad) + "; the file was discarded", e.getMessage());
        assertEquals(List.of(), library.list());
        try (Stream<Path> walk = Files.walk(library.root())) {
            assertTrue(walk.noneMatch(p -> p.toString().contains("vae_decoder" + java.io.File.separator + "model.onnx")), "the bad file is gone");
        }

        // A small (non-LFS) file is checked against its git blob id. (A fresh library: the one above kept
        // the verified model_index.json in its staging folder and would not fetch it again.)
        byte[] index = Files.readAllBytes(Fixtures.TINY.resolve("model_index.json"));
        index[index.length / 2] ^= 1;
        server.corrupt.clear();
        server.corrupt.put("model_index.json", index);
        library = Fixtures.library(temp.resolve("models2"));
        LibraryException small = assertThrows(LibraryException.class,
                () -> downloader().download(REPO, "main", "tiny", DownloadListener.NONE, new CancellationToken()));
        assertTrue(small.getMessage().startsWith("model_index.json: checksum mismatch, expected git-sha1 "
                + server.blob(commit, "model_index.json").gitOid()), small.getMessage());
        assertEquals(List.of(), library.list());

        // A file of another size than listed is refused at once, without fetching it again and again.
        server.corrupt.put("model_index.json", "{}".getBytes(StandardCharsets.UTF_8));
        library = Fixtures.library(temp.resolve("models3"));
        int before = server.requestsFor("model_index.json").size();
        LibraryException size = assertThrows(LibraryException.class,
                () -> downloader().download(REPO, "main", "tiny", DownloadListener.NONE, new CancellationToken()));
        assertEquals("model_index.json: the server sends 2 bytes but the hub lists " + Files.size(Fixtures.TINY.resolve("model_index.json"))
                + "; the repository may have changed, try again later", size.getMessage());
        assertEquals(before + 1, server.requestsFor("model_index.json").size());
        assertEquals(List.of(), library.list());
    }

    @Test
    void aFullDiskIsReportedBeforeAnythingIsDownloaded() throws Exception {
        ModelLibrary full = new ModelLibrary(temp.resolve("full"), Optional::empty, folder -> 100_000);
        ModelDownloader d = new ModelDownloader(new HubClient(server.base(), null), full, 3, Duration.ZERO, Duration.ofSeconds(20));
        LibraryException e = assertThrows(LibraryException.class, () -> d.download(REPO, "main", "tiny", DownloadListener.NONE, new CancellationToken()));
        assertEquals("not enough free disk space in " + full.root() + ": downloading " + REPO + " needs "
                + Bytes.human(Fixtures.bytesIn(Fixtures.TINY)) + ", 97.7 KiB is free", e.getMessage());
        assertTrue(server.log.stream().noneMatch(r -> r.path().contains("/resolve/") || r.server().equals("cdn")), "no file was requested");
        assertEquals(List.of(), full.list());
    }

    @Test
    void missingRepositoriesRevisionsAndBadIdsGiveOneLine() throws Exception {
        ModelDownloader d = downloader();
        CancellationToken c = new CancellationToken();
        LibraryException repo = assertThrows(LibraryException.class, () -> d.download("nobody/nothing", "main", null, DownloadListener.NONE, c));
        assertEquals("repository 'nobody/nothing' not found on 127.0.0.1 (if it is private or gated, set HF_TOKEN to an access token)",
                repo.getMessage());
        LibraryException rev = assertThrows(LibraryException.class, () -> d.download(REPO, "nope", null, DownloadListener.NONE, c));
        assertEquals("revision 'nope' not found in repository 'test/tiny-sd' on 127.0.0.1", rev.getMessage());
        LibraryException id = assertThrows(LibraryException.class, () -> d.download("not a repo", null, null, DownloadListener.NONE, c));
        assertTrue(id.getMessage().startsWith("'not a repo' is not a hub repository id"), id.getMessage());
        assertEquals(List.of(), library.list());
    }

    @Test
    void aRepositoryWithoutAnOnnxBundleIsRefusedBeforeDownloading() throws Exception {
        server.publish("test/readme-only", "main", null, Map.of("README.md", "# nothing\n".getBytes(StandardCharsets.UTF_8),
                "unet/diffusion_pytorch_model.safetensors", random(100, 4)));
        LibraryException e = assertThrows(LibraryException.class,
                () -> downloader().download("test/readme-only", "main", null, DownloadListener.NONE, new CancellationToken()));
        assertEquals("repository 'test/readme-only' at 'main' is not a diffusers ONNX Stable Diffusion model: it has no model_index.json, "
                + "scheduler/scheduler_config.json, text_encoder/model.onnx, unet/model.onnx, vae_decoder/model.onnx, "
                + "tokenizer/vocab.json and tokenizer/merges.txt (or tokenizer/tokenizer.json) "
                + "(is the ONNX export on another branch, e.g. --revision onnx?)", e.getMessage());
        assertTrue(server.log.stream().noneMatch(r -> r.path().contains("/resolve/")));
    }

    @Test
    void aDownloadTheEngineCannotOpenIsDeletedNotAdded() throws Exception {
        Path broken = Fixtures.copy(Fixtures.TINY, temp.resolve("broken-src"));
        Files.write(broken.resolve("unet/model.onnx"), random(5000, 5));
        server.publish("test/broken", "onnx", broken, Map.of());
        ModelException e = assertThrows(ModelException.class,
                () -> downloader().download("test/broken", "onnx", null, DownloadListener.NONE, new CancellationToken()));
        assertTrue(e.getMessage().startsWith("test/broken at 'onnx' was downloaded but cannot be used, so it was not added: "), e.getMessage());
        assertTrue(e.getMessage().contains("unet/model.onnx"), e.getMessage());
        assertEquals(List.of(), library.list());
        assertEquals(List.of(), Fixtures.names(library.root().resolve(ModelLibrary.STAGING)));
    }

    @Test
    void aNonMainRevisionNamesTheModelAfterIt() throws Exception {
        server.publish(REPO, "onnx", Fixtures.TINY, Map.of());
        ModelEntry entry = downloader().download(REPO, "onnx", null, DownloadListener.NONE, new CancellationToken());
        assertEquals("tiny-sd-onnx", entry.name());
        LibraryException again = assertThrows(LibraryException.class,
                () -> downloader().download(REPO, "onnx", null, DownloadListener.NONE, new CancellationToken()));
        assertTrue(again.getMessage().startsWith("the library already has a model named 'tiny-sd-onnx'"), again.getMessage());
    }

    @Test
    void theTokenGoesToTheHubButNotToTheCdn() throws Exception {
        ModelDownloader d = new ModelDownloader(new HubClient(server.base(), "hf_secret"), library, 3, Duration.ZERO, Duration.ofSeconds(20));
        d.download(REPO, "main", "tiny", DownloadListener.NONE, new CancellationToken());
        assertTrue(server.log.stream().filter(r -> r.server().equals("hub")).allMatch(r -> "Bearer hf_secret".equals(r.authorization())));
        assertTrue(server.log.stream().filter(r -> r.server().equals("cdn")).allMatch(r -> r.authorization() == null));
        assertTrue(server.log.stream().anyMatch(r -> r.server().equals("cdn")));
    }

    @Test
    void aPreviewDecoderIsCheckedWithTheModelAndAddedToIt() throws Exception {
        Path taesd = temp.resolve("taesd-src");
        Files.createDirectories(taesd.resolve("vae_decoder"));
        Files.copy(Fixtures.TINY.resolve("vae_preview/model.onnx"), taesd.resolve("vae_decoder/model.onnx"));
        Files.writeString(taesd.resolve("vae_decoder/config.json"), "{\"_class_name\": \"AutoencoderTiny\"}");
        server.publish("test/taesd", "main", taesd, Map.of("README.md", "# taesd\n".getBytes(StandardCharsets.UTF_8),
                "vae_encoder/model.onnx", random(2000, 6)));
        library.importFolder(Fixtures.TINY_INPAINT, "inp", false);
        assertFalse(library.find("inp").orElseThrow().info().hasPreviewDecoder());

        ModelDownloader d = downloader();
        ModelEntry entry = d.downloadPreviewDecoder("test/taesd", "main", null, "inp", false, DownloadListener.NONE, new CancellationToken());
        assertTrue(entry.info().hasPreviewDecoder());
        assertArrayEquals(Files.readAllBytes(Fixtures.TINY.resolve("vae_preview/model.onnx")),
                Files.readAllBytes(entry.folder().resolve("vae_preview/model.onnx")));
        assertTrue(Files.isRegularFile(entry.folder().resolve("vae_preview/config.json")));
        assertEquals(List.of(), server.requestsFor("vae_encoder/model.onnx"), "only the decoder's folder");
        assertTrue(library.find("inp").orElseThrow().info().hasPreviewDecoder(), "the listing sees it");

        LibraryException twice = assertThrows(LibraryException.class,
                () -> d.downloadPreviewDecoder("test/taesd", "main", null, "inp", false, DownloadListener.NONE, new CancellationToken()));
        assertTrue(twice.getMessage().contains("already has a preview decoder"), twice.getMessage());
        assertNotNull(d.downloadPreviewDecoder("test/taesd", "main", null, "inp", true, DownloadListener.NONE, new CancellationToken()));

        // A file the engine cannot open as a decoder is refused, and the model is left as it was.
        server.publish("test/not-a-decoder", "main", null, Map.of("vae_decoder/model.onnx", random(3000, 7)));
        library.importFolder(Fixtures.TINY_FP16, "fp16", false);
        ModelException bad = assertThrows(ModelException.class, () -> d.downloadPreviewDecoder("test/not-a-decoder", "main", null, "fp16",
                false, DownloadListener.NONE, new CancellationToken()));
        assertTrue(bad.getMessage().startsWith("vae_decoder/model.onnx from test/not-a-decoder does not work as a preview decoder for 'fp16': "),
                bad.getMessage());
        assertFalse(Files.exists(library.root().resolve("fp16/vae_preview")));
        assertEquals(List.of(), Fixtures.names(library.root().resolve(ModelLibrary.STAGING)));
    }

    static String sha256(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }
}
