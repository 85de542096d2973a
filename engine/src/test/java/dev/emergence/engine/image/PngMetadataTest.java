package dev.emergence.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Node;

class PngMetadataTest {
    @TempDir
    Path dir;

    private static final String PROMPT = "a cat in a hat\nNegative prompt: blurry\n"
            + "Steps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: name";
    private static final String UNICODE = "\u732b\u3068\u72ac, caf\u00e9 \u2014 \uD83C\uDFA8";

    private static Map<String, String> expectedFromJson(String name) throws IOException {
        JsonNode json = References.json(name);
        Map<String, String> m = new LinkedHashMap<>();
        json.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    private static BufferedImage picture() {
        BufferedImage img = new BufferedImage(7, 5, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 7; x++) img.setRGB(x, y, (x * 36) << 16 | (y * 60) << 8 | 0x80);
        }
        return img;
    }

    @Test
    void readsTextWrittenByPil() throws Exception {
        // pil_text.png / .json (make_png_refs.py): PIL's PngInfo, as AUTOMATIC1111 saves: tEXt "parameters",
        // zTXt "Title" (Latin-1), iTXt "Description" (non-Latin-1 text PIL put in iTXt), compressed iTXt "Comment".
        Map<String, String> text = PngMetadata.read(References.path("pil_text.png"));
        Map<String, String> pil = expectedFromJson("pil_text.json");
        assertEquals(pil, text);
        assertEquals(List.copyOf(pil.keySet()), List.copyOf(text.keySet()), "file order");
    }

    @Test
    void readsHandAssembledChunksIncludingTextAfterTheImageData() throws Exception {
        // hand_text.png (struct + zlib in make_png_refs.py): iTXt with language tag and translated keyword,
        // compressed iTXt and zTXt placed after IDAT; hand_text.json is what PIL reads from it.
        Map<String, String> text = PngMetadata.read(References.path("hand_text.png"));
        assertEquals(expectedFromJson("hand_text.json"), text);
        assertEquals("Stra\u00dfe \u2014 \u6771\u4eac", text.get("Title"));
    }

    @Test
    void roundTripKeepsTextAndPixels() throws Exception {
        Path file = dir.resolve("out.png");
        Map<String, String> chunks = new LinkedHashMap<>();
        chunks.put("parameters", PROMPT);
        chunks.put("emergence-request", "{\"prompt\":\"" + UNICODE + "\"}");
        chunks.put("Comment", "Latin-1 only: na\u00efve \u00bd");
        BufferedImage img = picture();
        PngMetadata.write(file, img, chunks);

        assertEquals(chunks, PngMetadata.read(file));
        BufferedImage back = ImageIO.read(file.toFile());
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 7; x++) assertEquals(img.getRGB(x, y), back.getRGB(x, y));
        }
        // Latin-1 text as tEXt (what PIL and A1111 write), the rest as iTXt, all before the image data.
        assertEquals(List.of("IHDR", "tEXt", "iTXt", "tEXt", "IDAT", "IEND"), chunkTypes(Files.readAllBytes(file)));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left");
        }
    }

    @Test
    void javaImageIoReadsTheSameText() throws Exception {
        // An independent PNG parser (the JDK's) must find our chunks: keyword and text of every tEXt and iTXt entry.
        Map<String, String> chunks = new LinkedHashMap<>();
        chunks.put("parameters", PROMPT);
        chunks.put("Description", UNICODE);
        byte[] png = PngMetadata.encode(picture(), chunks);
        Map<String, String> seen = new LinkedHashMap<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(png))) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("png");
            ImageReader reader = readers.next();
            reader.setInput(in);
            IIOMetadata meta = reader.getImageMetadata(0);
            Node root = meta.getAsTree("javax_imageio_png_1.0");
            for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                String entry = n.getNodeName().equals("tEXt") ? "tEXtEntry" : n.getNodeName().equals("iTXt") ? "iTXtEntry" : null;
                if (entry == null) continue;
                for (Node e = n.getFirstChild(); e != null; e = e.getNextSibling()) {
                    String key = e.getAttributes().getNamedItem("keyword").getNodeValue();
                    String value = e.getAttributes().getNamedItem(entry.equals("tEXtEntry") ? "value" : "text").getNodeValue();
                    if (entry.equals("iTXtEntry")) {
                        assertEquals("FALSE", e.getAttributes().getNamedItem("compressionFlag").getNodeValue().toUpperCase());
                    }
                    seen.put(key, value);
                }
            }
            reader.dispose();
        }
        assertEquals(chunks, seen);
    }

    @Test
    void invalidKeysAreRejectedBeforeAnythingIsWritten() throws IOException {
        Path file = dir.resolve("keep.png");
        Files.writeString(file, "old");
        for (String bad : new String[] {"", " lead", "trail ", "dou  ble", "x".repeat(80), "\u732b", "tab\there"}) {
            assertThrows(IllegalArgumentException.class, () -> PngMetadata.write(file, picture(), Map.of(bad, "v")), "'" + bad + "'");
        }
        assertThrows(IllegalArgumentException.class, () -> PngMetadata.write(file, picture(), Map.of("k", "nul\0inside")));
        assertEquals("old", Files.readString(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void picturesJavaCannotWriteAsPngDirectlyAreConverted() throws Exception {
        BufferedImage pre = new BufferedImage(3, 3, BufferedImage.TYPE_INT_ARGB_PRE);
        pre.setRGB(1, 1, 0x80FF0000);
        Path file = dir.resolve("pre.png");
        PngMetadata.write(file, pre, Map.of("k", "v"));
        assertEquals(Map.of("k", "v"), PngMetadata.read(file));
        BufferedImage back = Images.read(file);
        assertEquals(0x80, back.getRGB(1, 1) >>> 24);
    }

    @Test
    void errorsNameTheFile() throws Exception {
        Path missing = dir.resolve("missing.png");
        assertEquals(missing + ": no such file (expected a PNG image)",
                assertThrows(ImageException.class, () -> PngMetadata.read(missing)).getMessage());

        Path jpeg = dir.resolve("photo.png");
        ImageIO.write(picture(), "jpg", jpeg.toFile());
        assertEquals(jpeg + ": not a PNG image", assertThrows(ImageException.class, () -> PngMetadata.read(jpeg)).getMessage());

        byte[] good = PngMetadata.encode(picture(), Map.of("parameters", PROMPT));
        Path cut = dir.resolve("cut.png");
        Files.write(cut, Arrays.copyOf(good, good.length - 20));
        String m = assertThrows(ImageException.class, () -> PngMetadata.read(cut)).getMessage();
        assertTrue(m.startsWith(cut + ": damaged or incomplete PNG"), m);

        byte[] corrupt = good.clone();
        int at = indexOf(corrupt, "Steps".getBytes(StandardCharsets.ISO_8859_1));
        corrupt[at] = 's';
        Path bad = dir.resolve("bad.png");
        Files.write(bad, corrupt);
        assertEquals(bad + ": damaged PNG (bad checksum in a tEXt chunk)",
                assertThrows(ImageException.class, () -> PngMetadata.read(bad)).getMessage());
    }

    private static int indexOf(byte[] data, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= data.length; i++) {
            for (int j = 0; j < needle.length; j++) if (data[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }

    private static List<String> chunkTypes(byte[] png) {
        List<String> types = new ArrayList<>();
        int pos = 8;
        while (pos + 8 <= png.length) {
            int length = ((png[pos] & 0xFF) << 24) | ((png[pos + 1] & 0xFF) << 16) | ((png[pos + 2] & 0xFF) << 8) | (png[pos + 3] & 0xFF);
            String type = new String(png, pos + 4, 4, StandardCharsets.ISO_8859_1);
            if (types.isEmpty() || !type.equals("IDAT") || !types.get(types.size() - 1).equals("IDAT")) types.add(type);
            pos += 12 + length;
        }
        return types;
    }
}
