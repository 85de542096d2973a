package dev.emergence.app.project;

import dev.emergence.app.canvas.BrushSettings;
import dev.emergence.app.canvas.CanvasDocument;
import dev.emergence.app.canvas.DocLayer;
import dev.emergence.app.canvas.DocumentCopy;
import dev.emergence.app.canvas.Rect;
import dev.emergence.app.canvas.Tool;
import dev.emergence.app.canvas.UndoHistory;
import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProjectFileTest {
    @TempDir
    Path dir;

    private static CanvasDocument document() {
        CanvasDocument d = new CanvasDocument(300, 200, UndoHistory.DEFAULT_CAP_BYTES);
        d.fill(0, 0, 0x224466, 0);
        d.addLayer();
        d.beginStroke(Tool.BRUSH, new BrushSettings(9, 0.5, 0.7, 0xff8800), 20, 20);
        d.strokeTo(200, 150);
        d.endStroke();
        d.renameLayer(d.activeLayer(), "sketch");
        d.setOpacity(d.activeLayer(), 0.4);
        d.setLocked(d.activeLayer(), true);
        d.setVisible(d.layers().get(0), false);
        d.beginStroke(Tool.MASK_BRUSH, new BrushSettings(30, 1, 1, 0xffffff), 100, 100);
        d.endStroke();
        d.setFrame(new Rect(40, 16, 256, 200));
        return d;
    }

    private static GenerationRequest request() {
        return new GenerationRequest("a lighthouse at dusk", "fog", 192, 128, 12, 6.5, 1234,
                dev.emergence.engine.scheduler.SchedulerKind.DDIM, 0.6, 0, null, null, "tiny-sd");
    }

    @Test
    void aProjectComesBackExactly() throws Exception {
        CanvasDocument d = document();
        DocumentCopy copy = d.copyLayers();
        GenerationRecord g = new GenerationRecord(request(), GenerationMode.IMG2IMG, new Rect(40, 16, 256, 200), "a lighthouse at dusk · 1234");
        Path file = dir.resolve("work.emproj");
        ProjectFile.write(file, new Project(copy, List.of(g)));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("work.emproj"), files.map(p -> p.getFileName().toString()).toList(), "written under a temporary name and renamed");
        }
        Project back = ProjectFile.read(file);
        DocumentCopy b = back.document();
        assertEquals(List.of(300, 200), List.of(b.width(), b.height()));
        assertEquals(copy.frame(), b.frame());
        assertEquals(copy.activeIndex(), b.activeIndex());
        assertEquals(copy.layers().size(), b.layers().size());
        for (int i = 0; i < copy.layers().size(); i++) {
            assertEquals(copy.layers().get(i).state(), b.layers().get(i).state());
            assertArrayEquals(copy.layers().get(i).pixels().pixels(), b.layers().get(i).pixels().pixels(), "layer " + i + " pixel for pixel");
        }
        assertArrayEquals(copy.mask().pixels(), b.mask().pixels());
        assertEquals(List.of(g), back.generations());
        try (ZipFile z = new ZipFile(file.toFile())) {
            BufferedImage thumb = ImageIO.read(z.getInputStream(z.getEntry("thumbnail.png")));
            assertEquals(256, thumb.getWidth());
        }
        // Into a document: the same as the original.
        CanvasDocument reopened = new CanvasDocument(8, 8, UndoHistory.DEFAULT_CAP_BYTES);
        b.restoreInto(reopened);
        assertEquals(d.layers().stream().map(DocLayer::state).toList(), reopened.layers().stream().map(DocLayer::state).toList());
        assertEquals(d.mode(), reopened.mode());
        assertFalse(reopened.canUndoProperty().get(), "an opened project starts its own history");
    }

    @Test
    void anAutosaveEncodesOnlyTheLayersThatChanged() throws Exception {
        CanvasDocument d = document();
        LayerPngCache cache = new LayerPngCache();
        Path file = dir.resolve("session.emproj");
        DocumentCopy first = d.copyLayers(cache::has);
        assertTrue(first.complete(), "nothing cached yet: every layer copied");
        ProjectFile.write(file, new Project(first, List.of()), cache);

        d.setLocked(d.activeLayer(), false);
        d.beginStroke(Tool.BRUSH, new BrushSettings(5, 1, 1, 0x00ff00), 250, 30);
        d.endStroke();
        DocumentCopy second = d.copyLayers(cache::has);
        assertEquals(null, second.layers().get(0).pixels(), "the unchanged layer is left to the cache");
        assertNotNull(second.layers().get(1).pixels(), "the stroked one is copied");
        assertEquals(null, second.mask(), "so is the unchanged mask");
        ProjectFile.write(file, new Project(second, List.of()), cache);

        DocumentCopy full = d.copyLayers();
        DocumentCopy back = ProjectFile.read(file).document();
        for (int i = 0; i < full.layers().size(); i++) {
            assertArrayEquals(full.layers().get(i).pixels().pixels(), back.layers().get(i).pixels().pixels(), "layer " + i);
        }
        assertArrayEquals(full.mask().pixels(), back.mask().pixels());
    }

    private Path zip(Map<String, byte[]> entries) throws IOException {
        Path f = dir.resolve("hostile.emproj");
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(os)) {
            for (var e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return f;
    }

    private static byte[] png(int w, int h) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB), "png", out);
        return out.toByteArray();
    }

    private static String json(String layersFile, int w, int h, String extra) {
        return "{\"format\":\"emergence-project\",\"version\":1,\"width\":" + w + ",\"height\":" + h
                + ",\"layers\":[{\"name\":\"a\",\"file\":\"" + layersFile + "\"}]" + extra + "}";
    }

    private String refusal(Path f) {
        ProjectException e = assertThrows(ProjectException.class, () -> ProjectFile.read(f));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(f.getFileName() + ": "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void hostileOrDamagedFilesGetOneLineEach() throws Exception {
        Path notZip = dir.resolve("plain.emproj");
        Files.writeString(notZip, "not a zip at all");
        assertTrue(refusal(notZip).contains("not a readable zip"));

        assertTrue(refusal(zip(Map.of("other.txt", new byte[1]))).contains("project.json is missing"));
        assertTrue(refusal(zip(Map.of("project.json", "{\"format\":\"something\"}".getBytes(StandardCharsets.UTF_8))))
                .contains("not a project of this studio"));
        assertTrue(refusal(zip(Map.of("project.json", "{ broken".getBytes(StandardCharsets.UTF_8)))).contains("not valid JSON"));

        // Layer files are named by a fixed pattern: nothing else in (or outside) the zip is read.
        String m = refusal(zip(Map.of("project.json", json("../../etc/passwd", 4, 4, "").getBytes(StandardCharsets.UTF_8))));
        assertTrue(m.contains("names the file \"../../etc/passwd\"; expected layers/N.png"), m);

        m = refusal(zip(Map.of("project.json", json("layers/0.png", 100000, 4, "").getBytes(StandardCharsets.UTF_8))));
        assertTrue(m.contains("\"width\" is 100000; expected a whole number from 1 to 8192"), m);

        // A layer whose PNG is another size than the canvas is refused before it is decoded.
        m = refusal(zip(Map.of("project.json", json("layers/0.png", 4, 4, "").getBytes(StandardCharsets.UTF_8),
                "layers/0.png", png(5000, 5000), "mask.png", png(4, 4))));
        assertTrue(m.contains("layers/0.png is 5000x5000; the canvas is 4x4"), m);

        m = refusal(zip(Map.of("project.json", json("layers/0.png", 4, 4, "").getBytes(StandardCharsets.UTF_8),
                "layers/0.png", "garbage".getBytes(StandardCharsets.UTF_8), "mask.png", png(4, 4))));
        assertTrue(m.contains("layers/0.png is not a readable PNG") || m.contains("layers/0.png"), m);

        m = refusal(zip(Map.of("project.json", json("layers/0.png", 4, 4, ",\"generations\":[{\"mode\":\"DREAM\"}]").getBytes(StandardCharsets.UTF_8),
                "layers/0.png", png(4, 4), "mask.png", png(4, 4))));
        assertTrue(m.contains("generation 1 has mode \"DREAM\""), m);

        // An entry that unpacks past its limit (a "zip bomb" of JSON: 40 MB of spaces) is stopped while reading.
        byte[] huge = new byte[40 << 20];
        java.util.Arrays.fill(huge, (byte) ' ');
        m = refusal(zip(Map.of("project.json", huge)));
        assertTrue(m.contains("project.json"), m);
    }

    @Test
    void aProjectTooLargeForMemoryIsRefusedBeforeAnythingIsDecoded() throws Exception {
        StringBuilder layers = new StringBuilder();
        for (int i = 0; i < 200; i++) layers.append(i == 0 ? "" : ",").append("{\"file\":\"layers/").append(i).append(".png\"}");
        String json = "{\"format\":\"emergence-project\",\"version\":1,\"width\":4096,\"height\":4096,\"layers\":[" + layers + "]}";
        String m = refusal(zip(Map.of("project.json", json.getBytes(StandardCharsets.UTF_8))));
        assertTrue(m.contains("200 layers of 4096x4096 need about 12864 MiB") && m.contains("MiB are free"), m);
    }

    @Test
    void aProjectOfAnotherVersionIsNamed() throws Exception {
        Path f = zip(Map.of("project.json", "{\"format\":\"emergence-project\",\"version\":7}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(refusal(f).contains("project version 7; this studio reads versions 1 to 1"));
        assertNotNull(new ByteArrayInputStream(new byte[0]));
    }
}
