package dev.emergence.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageReadTest {
    @TempDir
    Path dir;

    @Test
    void notAnImageNamesTheFileAndTheFormatsExpected() throws IOException {
        Path file = dir.resolve("sketch.png");
        Files.writeString(file, "this is a text file, not a picture");
        ImageException e = assertThrows(ImageException.class, () -> Images.read(file));
        assertEquals(file + ": not a readable image (expected PNG, JPEG or BMP)", e.getMessage());
    }

    @Test
    void missingFileAndFolder() {
        Path missing = dir.resolve("nope.png");
        assertEquals(missing + ": no such file (expected PNG, JPEG or BMP)",
                assertThrows(ImageException.class, () -> Images.read(missing)).getMessage());
        assertEquals(dir + ": is a folder, not an image (expected PNG, JPEG or BMP)",
                assertThrows(ImageException.class, () -> Images.read(dir)).getMessage());
    }

    @Test
    void truncatedPngIsReportedAsTruncated() throws IOException {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(1);
        for (int i = 0; i < 64 * 64; i++) img.setRGB(i % 64, i / 64, random.nextInt()); // noise: IDAT spans most of the file
        Path full = dir.resolve("full.png");
        ImageIO.write(img, "png", full.toFile());
        byte[] bytes = Files.readAllBytes(full);
        Path cut = dir.resolve("cut.png");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        String m = assertThrows(ImageException.class, () -> Images.read(cut)).getMessage();
        assertTrue(m.startsWith(cut + ": truncated PNG ("), m);
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void unreadableFile() throws IOException {
        assumeFalse("root".equals(System.getProperty("user.name")), "root can read any file");
        Path file = dir.resolve("locked.png");
        ImageIO.write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
        assertEquals(file + ": cannot be read (permission denied)",
                assertThrows(ImageException.class, () -> Images.read(file)).getMessage());
    }

    @Test
    void greyscalePngKeepsItsStoredValues() throws ImageException {
        // hand_text.png (make_png_refs.py): 8-bit greyscale 3x2, values 40·(x + 3y). Java's getRGB would
        // brighten them (linear grey); PIL, browsers and painting programs show the stored values.
        BufferedImage img = Images.read(References.path("hand_text.png"));
        assertEquals(BufferedImage.TYPE_INT_RGB, img.getType());
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                int v = 40 * (x + 3 * y);
                assertEquals(0xFF000000 | v << 16 | v << 8 | v, img.getRGB(x, y), "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void readsRgbPngJpegAndBmp() throws Exception {
        BufferedImage pil = Images.read(References.path("pil_text.png"));
        // pil_text.png: Image.new("RGB", (6, 4), (200, 120, 40))
        assertEquals(6, pil.getWidth());
        assertEquals(0xFFC87828, pil.getRGB(5, 3));

        BufferedImage src = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 64; i++) src.setRGB(i % 8, i / 8, 0x336699);
        for (String format : new String[] {"jpg", "bmp"}) {
            Path file = dir.resolve("picture." + format);
            assertTrue(ImageIO.write(src, format, file.toFile()));
            BufferedImage back = Images.read(file);
            assertEquals(BufferedImage.TYPE_INT_RGB, back.getType());
            int p = back.getRGB(4, 4);
            assertTrue(Math.abs(((p >> 16) & 0xFF) - 0x33) <= 3 && Math.abs((p & 0xFF) - 0x99) <= 3, format + " " + Integer.toHexString(p));
        }
    }

    @Test
    void transparencyIsKept() throws Exception {
        BufferedImage src = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        src.setRGB(0, 0, 0x00000000);
        src.setRGB(1, 0, 0x80FF8000);
        Path file = dir.resolve("layer.png");
        ImageIO.write(src, "png", file.toFile());
        BufferedImage back = Images.read(file);
        assertEquals(BufferedImage.TYPE_INT_ARGB, back.getType());
        assertEquals(0x80FF8000, back.getRGB(1, 0));
        assertEquals(0, back.getRGB(0, 0) >>> 24);
    }
}
