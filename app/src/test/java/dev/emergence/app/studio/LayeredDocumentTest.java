package dev.emergence.app.studio;

import dev.emergence.app.StudioConfig;
import dev.emergence.app.canvas.DocLayer;
import dev.emergence.app.canvas.DocumentCopy;
import dev.emergence.app.canvas.Rect;
import dev.emergence.app.project.GenerationRecord;
import dev.emergence.engine.pipeline.GenerationMode;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.image.WritableImage;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An artist's session with a document bigger than the model: open a 1600×1200 photo, add a layer
 * and sketch on it, generate img2img in a frame on one part, inpaint a face-sized region in
 * context, extend the canvas 256 px to the right and outpaint, undo and redo, save the project,
 * restart and find it all again; and a 1024×768 document through the frame. On the embedded model
 * (its native size is 128 px), or the tiny test model where the checkout has no embedded model.
 */
class LayeredDocumentTest extends StudioTest {
    @Override
    Optional<Path> defaultModel() {
        return StudioConfig.embeddedModel().map(Path::toAbsolutePath).or(() -> Optional.of(TINY_SD));
    }

    /** A "photo": sky and ground gradients with a mild seeded texture. */
    private static BufferedImage photo() {
        BufferedImage img = new BufferedImage(1600, 1200, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(5);
        for (int y = 0; y < 1200; y++) {
            for (int x = 0; x < 1600; x++) {
                boolean sky = y < 700 + 40 * Math.sin(x / 160.0);
                double n = r.nextGaussian() * 5;
                int red = sky ? 90 + y / 12 : 70 + x / 40;
                int green = sky ? 140 + y / 10 : 120 - y / 30;
                int blue = sky ? 230 - y / 20 : 50;
                img.setRGB(x, y, clamp(red + n) << 16 | clamp(green + n) << 8 | clamp(blue + n));
            }
        }
        return img;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    private int layerCount() {
        return onFx(() -> studio.canvas().layers().size());
    }

    private DocLayer top() {
        return onFx(() -> studio.canvas().layers().get(studio.canvas().layers().size() - 1));
    }

    private void generateAndWait(int historySize) {
        pressGenerate();
        waitUntil("the result as a layer", 120, () -> studio.frames().history().size() == historySize);
        waitForIdle();
    }

    /** Drags on the canvas with the frame tool, from one canvas point to another. */
    private void dragFrame(double x0, double y0, double x1, double y1) {
        type(KeyCode.F);
        strokeOnCanvas(x0, y0, (x0 + x1) / 2, (y0 + y1) / 2, x1, y1);
    }

    @Test
    void aPhotoBecomesALayeredDocumentAndComesBackAfterARestart() throws Exception {
        screenshotWindow();
        waitForModel();
        int nativeSize = onFx(() -> studio.generation().modelProperty().get().nativeSize());
        Path photoFile = home.resolve("harbour.png");
        ImageIO.write(photo(), "png", photoFile.toFile());
        dialogs.openAnswers.add(photoFile);
        clickOn("#open");
        waitUntil("the photo as the document", () -> studio.canvas().width() == 1600);
        assertEquals(1200, (int) onFx(() -> studio.canvas().height()));
        assertEquals(List.of("harbour.png"), onFx(() -> studio.canvas().layers().stream().map(DocLayer::name).toList()));
        assertEquals(new Rect(0, 0, 1600, 1200), onFx(() -> studio.canvas().frame()));

        // A new paint layer, and a sketch on it: the photo's layer is untouched.
        int[] photoPixels = onFx(() -> studio.canvas().layers().get(0).pixels().pixels().clone());
        clickOn("#layer-add");
        assertEquals(2, layerCount());
        fx(() -> {
            studio.tools().sizeProperty().set(40);
            studio.tools().colorProperty().set(0xd02020);
        });
        type(KeyCode.B);
        strokeOnCanvas(500, 420, 700, 430, 760, 560);
        assertArrayEquals(photoPixels, onFx(() -> studio.canvas().layers().get(0).pixels().pixels()), "the sketch is on its own layer");
        assertTrue(onFx(() -> studio.canvas().layers().get(1).pixels().get(700, 430)) >>> 24 == 255);

        // The frame on one part: its bottom-right handle dragged in, then the frame moved.
        // (The pointer lands on whole screen pixels, a few canvas pixels apart at this zoom: within one snap.)
        dragFrame(1600, 1200, 800, 600);
        Rect resized = onFx(() -> studio.canvas().frame());
        assertNear(new Rect(0, 0, 800, 600), resized);
        dragFrame(400, 300, 700, 480);
        Rect frame = onFx(() -> studio.canvas().frame());
        assertNear(new Rect(304, 184, resized.width(), resized.height()), frame);
        assertEquals(List.of(resized.width(), resized.height()), List.of(frame.width(), frame.height()), "moving keeps the size");
        assertEquals(GenerationMode.IMG2IMG, onFx(() -> studio.canvas().mode()));

        clickOn("#prompt").write("a red boat on a blue sea under a pale sky");
        typeInto("#steps", "6");
        typeInto("#strength", "0.6");
        generateAndWait(1);
        GenerationRecord img2img = onFx(() -> studio.frames().history().get(0));
        assertEquals(GenerationMode.IMG2IMG, img2img.mode());
        assertEquals(frame, img2img.region());
        assertEquals(0, img2img.request().width() % 64);
        assertEquals(4.0 / 3, (double) img2img.request().width() / img2img.request().height(), 0.2, "the frame's aspect");
        assertTrue(img2img.request().width() * img2img.request().height() <= 2 * nativeSize * nativeSize, "the model's size, not the frame's");
        DocLayer result = top();
        assertEquals(3, layerCount());
        assertTrue(result.name().startsWith("a red boat on a blue sea") && result.name().endsWith(" · " + img2img.request().seed()), result.name());
        assertEquals(255, result.pixels().get(frame.x() + 10, frame.y() + 10) >>> 24, "the result fills its frame");
        assertEquals(0, result.pixels().get(frame.x() - 10, frame.y() + 10) >>> 24, "and nothing outside it");
        assertArrayEquals(photoPixels, onFx(() -> studio.canvas().layers().get(0).pixels().pixels()), "nothing the artist made is painted over");

        // A face-sized mask, inpainted in context: only its surroundings are generated, at the model's size.
        clickShown("#frame-all");
        fx(() -> studio.tools().sizeProperty().set(70));
        type(KeyCode.M);
        strokeOnCanvas(1200, 380, 1210, 390);
        assertEquals(GenerationMode.INPAINT, onFx(() -> studio.canvas().mode()),
                () -> "focus " + onFx(() -> String.valueOf(stage.getScene().getFocusOwner())) + ", tool " + onFx(() -> studio.tools().toolProperty().get())
                        + ", frame " + onFx(() -> studio.canvas().frame()));
        Rect masked = onFx(() -> alphaBox(studio.canvas().maskLayer().pixels()));
        generateAndWait(2);
        GenerationRecord inpaint = onFx(() -> studio.frames().history().get(1));
        assertEquals(GenerationMode.INPAINT, inpaint.mode());
        Rect around = inpaint.region();
        assertTrue(around.width() < 300 && around.x() <= masked.x() - 32 && around.right() >= masked.right() + 32
                && around.y() <= masked.y() - 32 && around.bottom() >= masked.bottom() + 32, "the mask " + masked + " with its padding: " + around);
        DocLayer patch = top();
        assertTrue((patch.pixels().get(1205, 385) >>> 24) > 200, "the mask is repainted");
        assertEquals(0, patch.pixels().get(around.x() + 2, around.y() + 2) >>> 24, "its context is not");
        assertEquals(0, patch.pixels().get(100, 100) >>> 24);
        clickOn("#mask-clear");

        // The frame moved 256 px past the right edge: outpainting extends the canvas.
        clickShown("#frame-all");
        type(KeyCode.F);
        for (int i = 0; i < 4; i++) push(KeyCode.SHIFT, KeyCode.RIGHT); // 64 px a nudge
        assertEquals(new Rect(256, 0, 1600, 1200), onFx(() -> studio.canvas().frame()));
        assertEquals(GenerationMode.INPAINT, onFx(() -> studio.canvas().mode()));
        int galleryBefore = onFx(() -> studio.gallery().size());
        generateAndWait(3);
        assertEquals(1856, (int) onFx(() -> studio.canvas().width()), "the canvas grew by 256 px");
        DocumentCopy extended = onFx(() -> studio.canvas().copyLayers());
        assertSeamInvisible(extended.flattenedOnWhite(), 1600);
        screenshot();

        // Undo takes the outpainting back, canvas growth and all; redo brings it back without running again.
        int layersNow = layerCount();
        fx(() -> studio.canvas().undo());
        assertEquals(1600, (int) onFx(() -> studio.canvas().width()));
        assertEquals(layersNow - 1, layerCount());
        fx(() -> studio.canvas().redo());
        assertEquals(1856, (int) onFx(() -> studio.canvas().width()));
        assertArrayEquals(extended.layers().get(layersNow - 1).pixels().pixels(), top().pixels().pixels());
        assertEquals(galleryBefore + 1, (int) onFx(() -> studio.gallery().size()), "redo ran nothing");

        // Saved as a project; after a restart the autosaved document is all there, and so is the file.
        Path project = home.resolve("harbour.emproj");
        dialogs.projectAnswers.add(project);
        clickOn("#save-project");
        waitUntil("the project file", () -> Files.isRegularFile(project));
        DocumentCopy before = onFx(() -> studio.canvas().copyLayers());
        List<GenerationRecord> history = onFx(() -> List.copyOf(studio.frames().history()));
        Thread.sleep(600); // past the autosave's settling delay
        closeStudio();
        openStudioOn(home);
        waitForModel();
        assertSameDocument(before, onFx(() -> studio.canvas().copyLayers()));
        assertEquals(history, onFx(() -> List.copyOf(studio.frames().history())));
        fx(() -> studio.newDocument(64, 64));
        dialogs.openAnswers.add(project);
        clickOn("#open");
        waitUntil("the project opened", () -> studio.canvas().width() == 1856);
        assertSameDocument(before, onFx(() -> studio.canvas().copyLayers()));
    }

    @Test
    void aDocumentBiggerThanTheModelWorksThroughTheFrame() {
        waitForModel();
        int nativeSize = onFx(() -> studio.generation().modelProperty().get().nativeSize());
        fx(() -> studio.newDocument(1024, 768));
        clickOn("#prompt").write("a yellow circle on a green background");
        typeInto("#steps", "4");
        generateAndWait(1);
        GenerationRecord g = onFx(() -> studio.frames().history().get(0));
        assertEquals(GenerationMode.TXT2IMG, g.mode());
        assertEquals(new Rect(0, 0, 1024, 768), g.region());
        assertTrue(g.request().width() <= 2 * nativeSize && g.request().height() <= 2 * nativeSize, g.request().width() + "x" + g.request().height());
        DocLayer l = top();
        assertEquals(1024, l.pixels().width());
        assertEquals(255, l.pixels().get(1023, 767) >>> 24, "the picture fills the 1024×768 frame");
    }

    private static Rect alphaBox(dev.emergence.app.canvas.Layer l) {
        int x0 = Integer.MAX_VALUE, y0 = Integer.MAX_VALUE, x1 = -1, y1 = -1;
        for (int y = 0; y < l.height(); y++) {
            for (int x = 0; x < l.width(); x++) {
                if ((l.get(x, y) >>> 24) == 0) continue;
                x0 = Math.min(x0, x);
                y0 = Math.min(y0, y);
                x1 = Math.max(x1, x);
                y1 = Math.max(y1, y);
            }
        }
        return Rect.of(x0, y0, x1 + 1, y1 + 1);
    }

    /** Snapped to 8 px, and within one snap of where it was dragged. */
    private static void assertNear(Rect expected, Rect actual) {
        for (int v : new int[] {actual.x(), actual.y(), actual.width(), actual.height()}) assertEquals(0, v % 8, actual.toString());
        assertTrue(Math.abs(expected.x() - actual.x()) <= 8 && Math.abs(expected.y() - actual.y()) <= 8
                && Math.abs(expected.right() - actual.right()) <= 8 && Math.abs(expected.bottom() - actual.bottom()) <= 8,
                "expected about " + expected + ", got " + actual);
    }

    private static void assertSameDocument(DocumentCopy a, DocumentCopy b) {
        assertEquals(List.of(a.width(), a.height()), List.of(b.width(), b.height()));
        assertEquals(a.frame(), b.frame());
        assertEquals(a.layers().size(), b.layers().size());
        for (int i = 0; i < a.layers().size(); i++) {
            assertEquals(a.layers().get(i).state(), b.layers().get(i).state());
            assertArrayEquals(a.layers().get(i).pixels().pixels(), b.layers().get(i).pixels().pixels(), "layer " + i);
        }
        assertArrayEquals(a.mask().pixels(), b.mask().pixels());
    }

    /**
     * The seam test: the mean colour step across the old edge (columns edge − 1 and edge)
     * is no larger than the steps between neighbouring columns within 64 px on either side.
     */
    private static void assertSeamInvisible(BufferedImage img, int edge) {
        double seam = columnStep(img, edge - 1);
        double largest = 0;
        for (int x = edge - 64; x < edge + 64; x++) {
            if (x != edge - 1) largest = Math.max(largest, columnStep(img, x));
        }
        assertTrue(seam <= largest, "the seam's step " + seam + " is within the picture's own column steps (largest " + largest + ")");
    }

    /** Mean over rows and channels of |P(x + 1, y) − P(x, y)|. */
    private static double columnStep(BufferedImage img, int x) {
        double sum = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            int a = img.getRGB(x, y), b = img.getRGB(x + 1, y);
            for (int s = 0; s <= 16; s += 8) sum += Math.abs(((a >> s) & 0xff) - ((b >> s) & 0xff));
        }
        return sum / (3.0 * img.getHeight());
    }

    private void screenshot() throws Exception {
        fx(() -> studio.canvasView().fit());
        type(KeyCode.F);
        Thread.sleep(300);
        WritableImage shot = onFx(() -> stage.getScene().snapshot(null));
        Path target = Path.of("target", "layers.png");
        Files.createDirectories(target.getParent());
        ImageIO.write(SwingFXUtils.fromFXImage(shot, null), "png", target.toFile());
        if (Boolean.getBoolean("studio.screenshot.update")) {
            Files.copy(target, Path.of("..", "docs", "layers.png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
