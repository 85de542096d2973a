package dev.emergence.engine.library;

import dev.emergence.engine.pipeline.CancellationToken;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What crashed runs leave in the library's staging area is deleted when the library is opened, while
 * what a running process still works in is left alone. Each test lays out the staging folder as a
 * crash would have left it.
 */
class StagingCleanupTest {
    @TempDir
    Path temp;

    private Path staging() {
        return temp.resolve("models").resolve(ModelLibrary.STAGING);
    }

    /** A copy of a model, as a crashed import leaves it: its folder, its lock file released with the process. */
    private Path crashedImport(String folder, boolean withLockFile) throws Exception {
        Path dir = Fixtures.copy(Fixtures.TINY, staging().resolve(folder).resolve("tiny"));
        if (withLockFile) Files.createFile(staging().resolve(folder).resolve(StagingArea.LOCK));
        return dir.getParent();
    }

    private static void age(Path p, Duration by) throws Exception {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(by)));
    }

    @Test
    void aCrashedImportsCopyIsDeletedWhenTheLibraryOpens() throws Exception {
        crashedImport("import-0123456789ab", true);
        Path old = crashedImport("import-ba9876543210", false); // made by a version without lock files
        age(old, Duration.ofHours(1));
        crashedImport("removed-00aa00aa00aa", true);
        ModelLibrary library = Fixtures.library(temp.resolve("models"));
        assertEquals(List.of(), Fixtures.names(staging()));
        assertEquals(List.of(), library.list());
    }

    @Test
    void aFolderJustMadeWithoutItsLockYetIsLeftAlone() throws Exception {
        crashedImport("import-0123456789ab", false); // another process between creating the folder and locking it
        Fixtures.library(temp.resolve("models"));
        assertEquals(List.of("import-0123456789ab"), Fixtures.names(staging()));
    }

    @Test
    void aFolderThisProcessWorksInIsLeftAlone() throws Exception {
        ModelLibrary first = Fixtures.library(temp.resolve("models"));
        try (StagingArea busy = first.newStaging("import")) {
            Files.writeString(busy.folder().resolve("copying"), "half a model");
            ModelLibrary second = Fixtures.library(temp.resolve("models"));
            assertEquals(0, second.cleanStaleStaging());
            assertTrue(Files.isRegularFile(busy.folder().resolve("copying")));
        }
        // Released (as when this process ends): the next opening deletes it.
        Fixtures.library(temp.resolve("models"));
        assertEquals(List.of(), Fixtures.names(staging()));
    }

    /**
     * Another process (a second JVM, started here) holds a staging folder's lock: opening the library
     * leaves the folder alone. Once that process is killed, the system has released its lock and the
     * next opening deletes the folder.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aFolderAnotherRunningProcessOwnsIsLeftUntilThatProcessDies() throws Exception {
        Path folder = crashedImport("import-feedfeedfeed", true);
        Path holder = Files.writeString(temp.resolve("Hold.java"), """
                import java.nio.channels.FileChannel;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;
                public class Hold {
                    public static void main(String[] args) throws Exception {
                        FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE);
                        ch.lock();
                        System.out.println("locked");
                        System.out.flush();
                        Thread.sleep(600_000);
                    }
                }
                """);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process other = new ProcessBuilder(java.toString(), holder.toString(), folder.resolve(StagingArea.LOCK).toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            assertEquals(0, Fixtures.library(temp.resolve("models")).cleanStaleStaging());
            assertTrue(Files.isDirectory(folder.resolve("tiny/unet")));
        } finally {
            other.destroyForcibly();
            other.waitFor(60, TimeUnit.SECONDS);
        }
        Fixtures.library(temp.resolve("models"));
        assertEquals(List.of(), Fixtures.names(staging()));
    }

    @Test
    void anInterruptedDownloadIsKeptToResumeUntilLongUnused() throws Exception {
        try (HubServer server = new HubServer()) {
            server.publish("test/tiny-sd", "main", Fixtures.TINY, java.util.Map.of());
            server.cutAfterOnce.put("unet/weights.pb", 100_000L);
            ModelLibrary library = Fixtures.library(temp.resolve("models"));
            ModelDownloader once = new ModelDownloader(new HubClient(server.base(), null), library, 1, Duration.ZERO, Duration.ofSeconds(20));
            assertThrows(LibraryException.class, () -> once.download("test/tiny-sd", "main", "tiny", DownloadListener.NONE, new CancellationToken()));
            List<String> left = Fixtures.names(staging());
            assertEquals(1, left.size());
            assertTrue(left.get(0).startsWith(ModelDownloader.RESUMABLE_PREFIX), left.toString());

            Fixtures.library(temp.resolve("models"));
            assertEquals(left, Fixtures.names(staging()), "kept to resume");
            age(staging().resolve(left.get(0)).resolve(StagingArea.LOCK), ModelLibrary.KEEP_DOWNLOADS.plusDays(1));
            Fixtures.library(temp.resolve("models"));
            assertEquals(List.of(), Fixtures.names(staging()), "dropped once untouched for longer than downloads are kept");
        }
    }

    @Test
    void aSecondDownloadOfTheSameModelWhileOneRunsIsRefused() throws Exception {
        try (HubServer server = new HubServer()) {
            server.publish("test/tiny-sd", "main", Fixtures.TINY, java.util.Map.of());
            ModelLibrary library = Fixtures.library(temp.resolve("models"));
            ModelDownloader d = new ModelDownloader(new HubClient(server.base(), null), library, 1, Duration.ZERO, Duration.ofSeconds(20));
            // What the running download holds: its staging folder, locked.
            Path folder;
            try (StagingArea running = library.claimStaging(stagingKeyOfADownload(d, server, library), "x")) {
                folder = running.folder();
                LibraryException e = assertThrows(LibraryException.class,
                        () -> d.download("test/tiny-sd", "main", "tiny", DownloadListener.NONE, new CancellationToken()));
                assertEquals("a download of test/tiny-sd at 'main' is already running (in this or another window or process); wait for it to finish",
                        e.getMessage());
                assertThrows(LibraryException.class, () -> d.discardPartial("test/tiny-sd", "main"));
                assertTrue(Files.isDirectory(folder));
            }
            assertEquals("tiny", d.download("test/tiny-sd", "main", "tiny", DownloadListener.NONE, new CancellationToken()).name());
            assertEquals(List.of(), Fixtures.names(staging()));
        }
    }

    /** The staging folder name a download uses, found by letting one fail early and looking. */
    private String stagingKeyOfADownload(ModelDownloader d, HubServer server, ModelLibrary library) throws Exception {
        server.unavailableOnce.add("model_index.json");
        ModelDownloader once = new ModelDownloader(new HubClient(server.base(), null), library, 1, Duration.ZERO, Duration.ofSeconds(20));
        assertThrows(LibraryException.class, () -> once.download("test/tiny-sd", "main", "tiny", DownloadListener.NONE, new CancellationToken()));
        List<String> names = Fixtures.names(staging());
        assertEquals(1, names.size(), names.toString());
        return names.get(0);
    }
}
