package dev.emergence.engine.library;

import dev.emergence.engine.cli.CliRun;
import dev.emergence.engine.cli.ExitCodes;
import dev.emergence.engine.pipeline.CancellationToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hub (or CDN) that answers with hostile or broken bodies: each test sets the fault on the local
 * {@link HubServer} and checks the bound that stops it and the one-line error. Deadlines in the code
 * are set small here; the tests' own timeouts are only safety bounds far above them.
 */
class HostileHubTest {
    static final String REPO = "test/tiny-sd";
    static final String WEIGHTS = "unet/weights.pb";

    @TempDir
    Path temp;

    HubServer server;
    ModelLibrary library;

    @BeforeEach
    void start() throws Exception {
        server = new HubServer();
        server.publish(REPO, "main", Fixtures.TINY, java.util.Map.of());
        library = Fixtures.library(temp.resolve("models"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ModelDownloader downloader(HubTimeouts timeouts, int attempts) {
        return new ModelDownloader(new HubClient(server.base(), null, timeouts), library, attempts, Duration.ZERO, timeouts.read());
    }

    private static HubTimeouts quick(Duration read, Duration answer, long minimumRate) {
        return new HubTimeouts(Duration.ofSeconds(10), read, answer, minimumRate);
    }

    private LibraryException downloadFails(ModelDownloader d) {
        LibraryException e = assertThrows(LibraryException.class,
                () -> d.download(REPO, "main", "tiny", DownloadListener.NONE, new CancellationToken()));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e;
    }

    private List<String> staging() throws Exception {
        return Fixtures.names(library.root().resolve(ModelLibrary.STAGING));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aChunkedBodyLongerThanTheListedSizeIsCutThereAndTheStagingFolderCleaned() throws Exception {
        long size = Files.size(Fixtures.TINY.resolve(WEIGHTS));
        server.overlongChunked.put(WEIGHTS, 300L << 20); // 300 MB for a 259 KB file, if nothing stops it
        long[] mostOnDisk = {0};
        DownloadListener watch = new DownloadListener() {
            @Override
            public void progress(DownloadProgress p) {
                if (p.file().equals(WEIGHTS)) mostOnDisk[0] = Math.max(mostOnDisk[0], p.fileBytesDone());
            }
        };
        ModelDownloader d = downloader(HubTimeouts.DEFAULTS, 3);
        LibraryException e = assertThrows(LibraryException.class, () -> d.download(REPO, "main", "tiny", watch, new CancellationToken()));
        assertEquals(WEIGHTS + ": the server sent more than the " + size + " bytes the hub lists; the download was stopped there and its files discarded",
                e.getMessage());
        assertTrue(mostOnDisk[0] <= size, "never more than the listed size on disk: " + mostOnDisk[0]);
        assertEquals(List.of(), staging(), "the staging folder is cleaned");
        assertEquals(List.of(), library.list());
        // The client hung up long before the server's 300 MB (socket buffers hold a few MB at most), and did not retry.
        List<HubServer.Request> served = server.requestsFor(WEIGHTS).stream().filter(r -> r.server().equals("cdn")).toList();
        assertEquals(1, served.size());
        assertTrue(served.get(0).bytesSent() < 64L << 20, served.get(0).bytesSent() + " bytes sent");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theEndlessBodyOfARedirectOrAnErrorIsNotRead() throws Exception {
        server.endlessBody.add(WEIGHTS);
        ModelEntry entry = downloader(HubTimeouts.DEFAULTS, 3).download(REPO, "main", "tiny", DownloadListener.NONE, new CancellationToken());
        assertEquals("tiny", entry.name());
        server.endlessBody.add("model_index.json");
        library.remove("tiny");
        LibraryException e = downloadFails(downloader(HubTimeouts.DEFAULTS, 3));
        String commit = new HubClient(server.base(), null).resolveCommit(REPO, "main");
        assertEquals("file 'model_index.json' not found in repository '" + REPO + "' at revision '" + commit + "'", e.getMessage());
        for (HubServer.Request r : server.log) {
            if (r.server().equals("hub") && r.path().contains("/resolve/")) assertTrue(r.bytesSent() < 64L << 20, r + " sent " + r.bytesSent());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aStalledApiBodyIsDroppedAfterTheReadTimeout() throws Exception {
        server.apiStalls = true;
        HubClient hub = new HubClient(server.base(), null, quick(Duration.ofMillis(500), Duration.ofSeconds(20), 1024));
        LibraryException e = assertThrows(LibraryException.class, () -> hub.resolveCommit(REPO, "main"));
        assertEquals("cannot reach " + server.base() + ": no data for 500 ms", e.getMessage());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTricklingApiBodyIsDroppedAtTheAnswerDeadline() throws Exception {
        server.apiTrickleMillis = 50; // Never idle for the 5 s read timeout, and a few hundred bytes take ~10 s.
        HubClient hub = new HubClient(server.base(), null, quick(Duration.ofSeconds(5), Duration.ofSeconds(1), 1024));
        LibraryException e = assertThrows(LibraryException.class, () -> hub.resolveCommit(REPO, "main"));
        assertEquals("cannot reach " + server.base() + ": the answer took longer than 1 s", e.getMessage());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anApiAnswerWithoutASaneEndIsNotKeptInMemory() throws Exception {
        server.apiPadding = HubClient.MAX_ANSWER_BYTES + (1 << 20);
        HubClient hub = new HubClient(server.base(), null);
        LibraryException e = assertThrows(LibraryException.class, () -> hub.resolveCommit(REPO, "main"));
        assertTrue(e.getMessage().startsWith("the hub's answer is longer than 32.0 MiB"), e.getMessage());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTricklingFileBodyIsCutAtADeadlineThatScalesWithItsSize() throws Exception {
        server.trickle.put(WEIGHTS, 20L); // ~50 bytes/s: 259 KB would take 1.5 hours, never idle for the read timeout
        HubTimeouts timeouts = quick(Duration.ofSeconds(5), Duration.ofMillis(500), 200_000);
        long size = Files.size(Fixtures.TINY.resolve(WEIGHTS));
        assertEquals(Duration.ofMillis(500 + size * 1000 / 200_000), timeouts.fileDeadline(size));
        LibraryException e = downloadFails(downloader(timeouts, 1));
        assertTrue(e.getMessage().startsWith(WEIGHTS + ": download failed after 1 attempts in a row: the transfer took longer than "
                + timeouts.fileDeadline(size).toMillis() + " ms (slower than 195 KiB/s)"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(run it again to resume from " + Bytes.human(
                server.requestsFor(WEIGHTS).stream().mapToLong(HubServer.Request::bytesSent).sum()) + ")")
                || e.getMessage().contains("run it again to resume"), e.getMessage());
        // What arrived is kept to resume from; nothing was added.
        assertEquals(List.of(), library.list());
        assertEquals(1, staging().size());
    }

    @Test
    void theDefaultDeadlineLetsASlowRealLineFinishAThreeGigabyteUnet() {
        long unet = 3_438_167_536L;
        Duration allowed = HubTimeouts.DEFAULTS.fileDeadline(unet);
        // A 1 Mbit/s line (122 KiB/s) needs under 8 hours; the deadline allows days.
        assertTrue(allowed.compareTo(Duration.ofSeconds(unet / (125_000))) > 0, allowed.toString());
        assertTrue(allowed.compareTo(Duration.ofDays(5)) < 0, allowed.toString());
    }

    @Test
    void aRedirectToAFileUrlIsRefusedInOneLine() throws Exception {
        server.redirect.put(WEIGHTS, "file:///etc/passwd");
        LibraryException e = downloadFails(downloader(HubTimeouts.DEFAULTS, 3));
        assertEquals("127.0.0.1 redirected to 'file:///etc/passwd' is not an http(s) address; expected a download address", e.getMessage());
        server.redirect.put(WEIGHTS, "http://[::1");
        e = downloadFails(downloader(HubTimeouts.DEFAULTS, 3));
        assertEquals("127.0.0.1 redirected to 'http://[::1', which is not a valid address", e.getMessage());

        server.redirect.put(WEIGHTS, "ftp://example.invalid/x");
        CliRun run = CliRun.of("models", "download", REPO, "--library", library.root().toString(), "--hub", server.base().toString());
        assertEquals(ExitCodes.BAD_INPUT, run.code(), run.err());
        assertEquals("error: 127.0.0.1 redirected to 'ftp://example.invalid/x' is not an http(s) address; expected a download address",
                run.err().lines().filter(l -> l.startsWith("error") || l.startsWith("internal")).findFirst().orElse(run.err()));
        assertFalse(run.err().contains("\tat "), run.err());
    }

    @Test
    void malformedContentRangeAnswersAreOneLine() throws Exception {
        String file = "text_encoder/model.onnx";
        for (String bad : List.of("bytes 99999999999999999999999-5/10", "bytes 100000-5/317488", "bytes=100000-317487/317488", "garbage\u0000")) {
            server.cutAfterOnce.put(file, 100_000L); // The first transfer breaks, so the next asks for a range.
            server.contentRange.put(file, bad);
            LibraryException e = downloadFails(downloader(HubTimeouts.DEFAULTS, 2));
            assertTrue(e.getMessage().startsWith(file + ": download failed after 2 attempts in a row: asked for bytes from 100000, the server sent"
                    + " Content-Range '"), e.getMessage());
            new ModelDownloader(new HubClient(server.base(), null), library).discardPartial(REPO, "main");
        }
        assertEquals(List.of(), library.list());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aListingWithoutASaneEndIsRefused() throws Exception {
        server.extraListed = HubClient.MAX_FILES;
        server.pageSize = 40_000;
        HubClient hub = new HubClient(server.base(), null);
        String commit = hub.resolveCommit(REPO, "main");
        LibraryException e = assertThrows(LibraryException.class, () -> hub.listFiles(REPO, commit));
        assertTrue(e.getMessage().endsWith(": the hub lists more than 100000 files; no model has that many"), e.getMessage());
    }

    @Test
    void aNextPageLinkThatIsNoHttpAddressIsRefused() throws Exception {
        server.nextLink = "file:///etc/passwd";
        HubClient hub = new HubClient(server.base(), null);
        String commit = hub.resolveCommit(REPO, "main");
        LibraryException e = assertThrows(LibraryException.class, () -> hub.listFiles(REPO, commit));
        assertTrue(e.getMessage().endsWith(": the hub's next page 'file:///etc/passwd' is not an http(s) address"), e.getMessage());
        server.nextLink = "http://bad host/";
        e = assertThrows(LibraryException.class, () -> hub.listFiles(REPO, commit));
        assertTrue(e.getMessage().endsWith(": the hub's next page 'http://bad host/' is not a valid address"), e.getMessage());
    }

    @Test
    void aHubAddressThatIsNoHttpAddressIsOneLine() throws Exception {
        for (String hub : List.of("file:///etc", "ftp://example.invalid", "http:relative")) {
            CliRun run = CliRun.of("models", "download", REPO, "--library", library.root().toString(), "--hub", hub);
            assertEquals(ExitCodes.BAD_INPUT, run.code(), hub + ": " + run.err());
            List<String> errors = run.err().lines().filter(l -> !l.startsWith("listing ")).toList();
            assertEquals(1, errors.size(), run.err());
            assertTrue(errors.get(0).startsWith("error: the hub address '" + hub + "' "), run.err());
        }
        HubClient bad = new HubClient(URI.create("mailto:someone@example.invalid"), null);
        assertThrows(LibraryException.class, () -> bad.listFiles(REPO, "main"));
    }
}
