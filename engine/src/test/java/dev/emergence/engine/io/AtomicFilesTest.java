package dev.emergence.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void writesNewFileAndLeavesNoTemporary() throws IOException {
        Path target = dir.resolve("picture.png");
        AtomicFiles.writeString(target, "héllo");
        assertEquals("héllo", Files.readString(target, StandardCharsets.UTF_8));
        assertEquals(List.of("picture.png"), names());
    }

    @Test
    void replacesExistingFile() throws IOException {
        Path target = dir.resolve("a.txt");
        Files.writeString(target, "old content that is longer than the new one");
        AtomicFiles.writeString(target, "new");
        assertEquals("new", Files.readString(target));
        assertEquals(List.of("a.txt"), names());
    }

    @Test
    void writerThatThrowsKeepsOldContentAndCleansUp() throws IOException {
        Path target = dir.resolve("work.kra");
        Files.writeString(target, "precious");
        IOException thrown = new IOException("disk full");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write("partial data".getBytes(StandardCharsets.UTF_8));
            out.flush();
            throw thrown;
        }));
        assertSame(thrown, e);
        assertEquals("precious", Files.readString(target));
        assertEquals(List.of("work.kra"), names());
    }

    @Test
    void runtimeFailureOnNewTargetLeavesNothing() throws IOException {
        Path target = dir.resolve("new.png");
        assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[100_000]);
            throw new UncheckedIOException(new IOException("encoder failed"));
        }));
        assertFalse(Files.exists(target));
        assertEquals(List.of(), names());
    }

    @Test
    void writerMayCloseTheStream() throws IOException {
        Path target = dir.resolve("closed.bin");
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        AtomicFiles.write(target, out -> {
            out.write(data);
            out.close();
        });
        assertArrayEquals(data, Files.readAllBytes(target));
        assertEquals(List.of("closed.bin"), names());
    }

    @Test
    void failedRenameOverFolderLeavesFolderAndNoTemporary() throws IOException {
        Path target = dir.resolve("folder");
        Files.createDirectory(target);
        Files.writeString(target.resolve("inside.txt"), "keep");
        assertThrows(IOException.class, () -> AtomicFiles.writeString(target, "x"));
        assertTrue(Files.isDirectory(target));
        assertEquals("keep", Files.readString(target.resolve("inside.txt")));
        assertEquals(List.of("folder"), names());
    }

    @Test
    void missingFolderIsAnError() {
        Path target = dir.resolve("no-such-folder").resolve("f.txt");
        assertThrows(NoSuchFileException.class, () -> AtomicFiles.writeString(target, "x"));
        assertFalse(Files.exists(target.getParent()));
    }

    @Test
    void keepsPermissionsOfReplacedFile() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "needs a POSIX file system");
        Path target = dir.resolve("shared.txt");
        Files.writeString(target, "old");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));
        AtomicFiles.writeString(target, "new");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
    }

    @Test
    void temporaryNameIsHiddenAndUnique() {
        String a = AtomicFiles.temporaryName("out.png");
        String b = AtomicFiles.temporaryName("out.png");
        assertTrue(a.matches("\\.out\\.png\\.tmp-[0-9a-f]{16}"), a);
        assertFalse(a.equals(b));
    }

    @Test
    void errorsNameTheTargetNeverTheTemporaryFile() throws IOException {
        Path inMissing = dir.resolve("no-such-folder").resolve("picture.png");
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> AtomicFiles.writeString(inMissing, "x"));
        assertEquals(inMissing.toString(), missing.getFile());
        assertFalse(missing.getMessage().contains(".tmp-"), missing.getMessage());

        Path folder = dir.resolve("picture.png");
        Files.createDirectory(folder);
        Files.writeString(folder.resolve("inside.txt"), "keep");
        IOException overFolder = assertThrows(IOException.class, () -> AtomicFiles.writeString(folder, "x"));
        assertTrue(overFolder.getMessage().startsWith(folder.toString()), overFolder.getMessage());
        assertFalse(overFolder.getMessage().contains(".tmp-"), overFolder.getMessage());
        assertEquals(List.of("picture.png"), names(), "nothing left behind");
    }

    @Test
    void anUnwritableFolderIsNamedByTheTarget() throws IOException {
        assumeTrue(!"root".equals(System.getProperty("user.name")), "root may write into any folder");
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "needs a POSIX file system");
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Path target = locked.resolve("picture.png");
            java.nio.file.AccessDeniedException e = assertThrows(java.nio.file.AccessDeniedException.class,
                    () -> AtomicFiles.writeString(target, "x"));
            assertEquals(target.toString(), e.getFile());
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
