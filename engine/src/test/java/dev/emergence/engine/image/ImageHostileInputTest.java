package dev.emergence.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Picture files made to hang, exhaust or fool the readers: each is refused with one line naming the file. */
class ImageHostileInputTest {
    @TempDir
    Path dir;

    @Test
    void aFifoIsRefusedInsteadOfWaitedFor() {
        Path fifo = dir.resolve("init.png");
        assumeTrue(HostileFiles.mkfifo(fifo), "mkfifo is not available here");
        // Without the check either read blocks forever: nothing ever writes into the FIFO.
        String m = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(ImageException.class, () -> Images.read(fifo)).getMessage());
        assertEquals(fifo + ": is not a regular file (a FIFO, device or socket); expected PNG, JPEG or BMP file", m);
        m = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(ImageException.class, () -> PngMetadata.read(fifo)).getMessage());
        assertEquals(fifo + ": is not a regular file (a FIFO, device or socket); expected a PNG image file", m);
    }

    @Test
    void aPngClaimingAHugePictureIsRefusedFromItsHeader() throws IOException {
        Path bomb = dir.resolve("bomb.png");
        Files.write(bomb, HostileFiles.pngClaiming(30000, 30000));
        assertTrue(Files.size(bomb) < 200, "a few bytes on disk");
        assertEquals(bomb + ": 30000x30000 pixels is too large; expected at most 16384 pixels a side",
                assertThrows(ImageException.class, () -> Images.read(bomb)).getMessage());
    }

    @Test
    void aPictureBeyondWhatTheHeapHoldsIsRefused() throws IOException {
        long max = Images.maxPixels();
        assumeTrue(max < (long) Images.MAX_SIDE * Images.MAX_SIDE, "this heap holds the largest picture allowed a side");
        int height = (int) Math.min(Images.MAX_SIDE, max / Images.MAX_SIDE + 1);
        Path big = dir.resolve("big.png");
        Files.write(big, HostileFiles.pngClaiming(Images.MAX_SIDE, height));
        String m = assertThrows(ImageException.class, () -> Images.read(big)).getMessage();
        assertEquals(big + ": " + Images.MAX_SIDE + "x" + height + " pixels is too large for this memory; expected at most "
                + max + " pixels in all (more memory: java -Xmx)", m);
    }

    @Test
    void aJpegClaimingAHugePictureIsRefusedFromItsHeader() throws IOException {
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(HostileFiles.noise(16, 16), "jpg", jpeg);
        byte[] bytes = jpeg.toByteArray();
        // SOF0 (FF C0): length (2), precision (1), height (2), width (2).
        int sof = 2;
        while (!((bytes[sof] & 0xFF) == 0xFF && (bytes[sof + 1] & 0xFF) == 0xC0)) sof++;
        bytes[sof + 5] = (byte) (30000 >> 8);
        bytes[sof + 6] = (byte) 30000;
        bytes[sof + 7] = (byte) (20000 >> 8);
        bytes[sof + 8] = (byte) 20000;
        Path bomb = dir.resolve("bomb.jpg");
        Files.write(bomb, bytes);
        assertEquals(bomb + ": 20000x30000 pixels is too large; expected at most 16384 pixels a side",
                assertThrows(ImageException.class, () -> Images.read(bomb)).getMessage());
    }

    @Test
    void aTruncatedJpegIsRefusedAsTruncated() throws Exception {
        Path full = dir.resolve("full.jpg");
        ImageIO.write(HostileFiles.noise(64, 64), "jpg", full.toFile());
        byte[] bytes = Files.readAllBytes(full);
        Path cut = dir.resolve("cut.jpg");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        // The JPEG decoder itself only warns and fills the missing half with grey.
        assertEquals(64, ImageIO.read(cut.toFile()).getWidth());
        String m = assertThrows(ImageException.class, () -> Images.read(cut)).getMessage();
        // libjpeg's words: "Corrupt JPEG data: premature end of data segment" or "Premature end of JPEG file".
        assertTrue(m.startsWith(cut + ": truncated JPEG ("), m);
        assertTrue(m.toLowerCase(java.util.Locale.ROOT).contains("premature end"), m);
        assertTrue(m.endsWith("); expected a complete picture"), m);
        assertEquals(64, Images.read(full).getWidth(), "the complete file still reads");
    }

    @Test
    void aTruncatedPngIsRefusedAsTruncated() throws IOException {
        Path full = dir.resolve("full.png");
        ImageIO.write(HostileFiles.noise(64, 64), "png", full.toFile());
        byte[] bytes = Files.readAllBytes(full);
        Path cut = dir.resolve("cut.png");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        String m = assertThrows(ImageException.class, () -> Images.read(cut)).getMessage();
        assertTrue(m.startsWith(cut + ": truncated PNG ("), m);
        assertTrue(m.endsWith("); expected a complete picture"), m);
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void tooManyTextChunksAreRefused() throws IOException {
        byte[][] chunks = new byte[PngMetadata.MAX_TEXT_CHUNKS + 2][];
        chunks[0] = Arrays.copyOfRange(HostileFiles.pngClaiming(1, 1), 8, 8 + 25); // IHDR
        for (int i = 1; i < chunks.length; i++) chunks[i] = HostileFiles.ztxt("k" + i, "x".getBytes());
        Path many = dir.resolve("many.png");
        Files.write(many, HostileFiles.png(chunks));
        assertEquals(many + ": has more than 64 text chunks; expected at most 64",
                assertThrows(ImageException.class, () -> PngMetadata.read(many)).getMessage());
    }

    @Test
    void anInflateBombIsStoppedAtTheBound() throws IOException {
        // 256 MiB of zeros deflate to about 256 KiB: under the bound on disk, far over it inflated.
        byte[] bomb = HostileFiles.ztxt("parameters", new byte[256 << 20]);
        assertTrue(bomb.length < PngMetadata.MAX_TEXT_BYTES, "small enough on disk to be inflated");
        Path file = dir.resolve("bomb.png");
        Files.write(file, HostileFiles.png(bomb));
        assertEquals(file + ": a zTXt chunk expands to more than 1048576 bytes of text; expected at most 1048576 per chunk",
                assertThrows(ImageException.class, () -> PngMetadata.read(file)).getMessage());
    }

    @Test
    void aHugeTextChunkAndTooMuchTextInAllAreRefused() throws Exception {
        Path one = dir.resolve("one.png");
        Files.write(one, HostileFiles.png(HostileFiles.text("parameters", "x".repeat(PngMetadata.MAX_TEXT_BYTES))));
        assertEquals(one + ": a tEXt chunk of 1048587 bytes is too large; expected at most 1048576 bytes of text per chunk",
                assertThrows(ImageException.class, () -> PngMetadata.read(one)).getMessage());

        byte[][] chunks = new byte[9][];
        for (int i = 0; i < chunks.length; i++) chunks[i] = HostileFiles.text("k" + i, "x".repeat(1_000_000));
        Path all = dir.resolve("all.png");
        Files.write(all, HostileFiles.png(chunks));
        assertEquals(all + ": holds more than 8388608 bytes of text; expected at most 8388608 in all",
                assertThrows(ImageException.class, () -> PngMetadata.read(all)).getMessage());

        Path fine = dir.resolve("fine.png");
        Files.write(fine, HostileFiles.png(HostileFiles.text("parameters", "x".repeat(100_000))));
        assertEquals(Map.of("parameters", "x".repeat(100_000)), PngMetadata.read(fine), "real-sized text still reads");
    }
}
