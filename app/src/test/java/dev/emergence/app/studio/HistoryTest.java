package dev.emergence.app.studio;

import dev.emergence.app.canvas.LayerId;
import dev.emergence.app.gallery.GalleryEntry;
import dev.emergence.engine.pipeline.GenerationMode;
import javafx.scene.control.Label;
import javafx.scene.image.Image;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HistoryTest extends StudioTest {
    @Test
    void everyResultIsInTheHistoryToShowRestoreReuseAndDelete() throws Exception {
        waitForModel();
        clickOn("#prompt").write("first");
        typeInto("#steps", "3");
        pressGenerate();
        waitUntil("the first result", () -> studio.gallery().size() == 1);
        waitForIdle();
        clickOn("#prompt").push(KeyCode.CONTROL, KeyCode.A).write("second");
        pressGenerate();
        waitUntil("the second result", () -> studio.gallery().size() == 2);
        waitForIdle();
        assertEquals("second", onFx(() -> studio.gallery().get(0).request().prompt()), "newest first");

        // Selecting the older one shows it, read back from its file.
        GenerationEntryView first = new GenerationEntryView(onFx(() -> studio.gallery().get(1)));
        fx(() -> studio.galleryView().list().getSelectionModel().select(1));
        BufferedImage firstPixels = ImageIO.read(first.file.toFile());
        waitUntil("the first picture on display", () -> sameAs(studio.preview().shownImageProperty().get(), firstPixels));

        clickOn("#gallery-restore");
        assertEquals("first", onFx(() -> studio.parameters().promptProperty().get()));
        assertEquals(first.entry.request().seed(), (long) onFx(() -> studio.parameters().seedProperty().get()));

        // Both results landed as layers; "to canvas" places the older one as a third, in the frame.
        int layers = onFx(() -> studio.canvas().layers().size());
        clickOn("#gallery-canvas");
        waitUntil("the picture on the canvas", () -> studio.canvas().layers().size() == layers + 1);
        assertEquals(GenerationMode.IMG2IMG, onFx(() -> studio.canvas().mode()));
        assertEquals(firstPixels.getRGB(10, 20), (int) onFx(() -> studio.canvas().layer(LayerId.PAINT).get(10, 20)));
        push(KeyCode.CONTROL, KeyCode.Z);
        assertEquals(layers, (int) onFx(() -> studio.canvas().layers().size()), "placing a result as a layer is one undo step");

        clickOn("#gallery-folder");
        waitUntil("the output folder opened", () -> openedUris.contains(home.resolve("outputs").toUri().toString()));

        clickOn("#gallery-delete");
        waitUntil("the entry gone", () -> studio.gallery().size() == 1);
        assertFalse(Files.exists(first.file));

        // The history is the output folder: a restart lists what is there, and shows again the picture
        // that was selected.
        fx(() -> studio.galleryView().list().getSelectionModel().select(0));
        Path second = onFx(() -> studio.gallery().get(0).file());
        BufferedImage secondPixels = ImageIO.read(second.toFile());
        waitUntil("the second picture on display", () -> sameAs(studio.preview().shownImageProperty().get(), secondPixels));
        closeStudio();
        openStudioOn(home);
        waitUntil("the history read back", () -> studio.gallery().size() == 1);
        assertEquals("second", onFx(() -> studio.gallery().get(0).request().prompt()));
        waitUntil("the selected picture shown again", () -> sameAs(studio.preview().shownImageProperty().get(), secondPixels));
    }

    @Test
    void deleteMovesThePictureToTheTrashAndUndoBringsItBack() throws Exception {
        waitForModel();
        clickOn("#prompt").write("keep me");
        typeInto("#steps", "2");
        pressGenerate();
        waitUntil("the result", () -> studio.gallery().size() == 1);
        waitForIdle();
        GalleryEntry entry = onFx(() -> studio.gallery().get(0));
        byte[] bytes = Files.readAllBytes(entry.file());
        fx(() -> studio.galleryView().list().getSelectionModel().select(0));

        clickOn("#gallery-delete");
        waitUntil("the entry gone", () -> studio.gallery().isEmpty());
        assertFalse(Files.exists(entry.file()));
        Path inTrash = home.resolve("trash").resolve(entry.file().getFileName());
        assertArrayEquals(bytes, Files.readAllBytes(inTrash), "the picture is in the trash, whole");
        String notice = onFx(() -> studio.statusBar().noticeText());
        assertTrue(notice.startsWith("Deleted " + entry.file().getFileName()), notice);

        clickOn("#status-notice-action");
        waitUntil("the entry back", () -> studio.gallery().size() == 1);
        assertArrayEquals(bytes, Files.readAllBytes(entry.file()), "Undo puts the picture back where it was");
        assertFalse(Files.exists(inTrash));
        assertEquals("keep me", onFx(() -> studio.gallery().get(0).request().prompt()));
        assertEquals(entry.file(), onFx(() -> studio.galleryView().list().getSelectionModel().getSelectedItem().file()));
    }

    @Test
    void restoringATextToImagePictureOffersToClearThePaintedCanvas() {
        waitForModel();
        clickOn("#prompt").write("from text");
        typeInto("#steps", "2");
        pressGenerate();
        waitUntil("the result", () -> studio.gallery().size() == 1);
        waitForIdle();
        fx(() -> studio.galleryView().list().getSelectionModel().select(0));
        // The result landed as a layer; unedited, it is an alternative, not the next run's input.
        waitUntil("the result's layer", () -> studio.canvas().layers().size() == 2);

        // An empty canvas: the mode is the picture's, and the status bar says so.
        clickOn("#gallery-restore");
        String madeFrom = onFx(() -> studio.statusBar().noticeText());
        assertTrue(madeFrom.contains("text → image, as it was made"), madeFrom);

        // The artist paints, then restores the picture's parameters: the next run would be image to image.
        fx(() -> studio.tools().sizeProperty().set(10));
        type(KeyCode.B);
        strokeOnCanvas(5, 5, 50, 40);
        int[] painted = onFx(() -> studio.canvas().layer(LayerId.PAINT).pixels().clone());
        clickOn("#gallery-restore");
        String offer = onFx(() -> studio.statusBar().noticeText());
        assertTrue(offer.contains("made text → image") && offer.contains("the next run is image → image"), offer);
        assertEquals("IMAGE → IMAGE", onFx(() -> lookup("#mode").queryAs(Label.class).getText()));

        clickOn("#restore-clear-canvas");
        assertEquals(GenerationMode.TXT2IMG, onFx(() -> studio.canvas().mode()));
        assertEquals("TEXT → IMAGE", onFx(() -> lookup("#mode").queryAs(Label.class).getText()));
        assertTrue(onFx(() -> studio.statusBar().noticeText()).endsWith("the next run is text → image"));
        push(KeyCode.CONTROL, KeyCode.Z);
        assertArrayEquals(painted, onFx(() -> studio.canvas().layer(LayerId.PAINT).pixels()), "clearing is one undo step");

        clickOn("#gallery-restore");
        clickOn("#restore-keep-canvas");
        assertEquals(GenerationMode.IMG2IMG, onFx(() -> studio.canvas().mode()));
        assertEquals("Canvas kept: the next run is image → image", onFx(() -> studio.statusBar().noticeText()));

        // A picture read back from the output folder knows its mode too.
        closeStudio();
        openStudioOn(home);
        waitUntil("the history read back", () -> studio.gallery().size() == 1);
        assertEquals(GenerationMode.TXT2IMG, onFx(() -> studio.gallery().get(0).mode()));
    }

    private record GenerationEntryView(GalleryEntry entry, Path file) {
        GenerationEntryView(GalleryEntry entry) {
            this(entry, entry.file());
        }
    }

    private static boolean sameAs(Image shown, BufferedImage expected) {
        if (shown == null || shown.getWidth() != expected.getWidth() || shown.getHeight() != expected.getHeight()) return false;
        for (int y = 0; y < expected.getHeight(); y++) {
            for (int x = 0; x < expected.getWidth(); x++) {
                if (shown.getPixelReader().getArgb(x, y) != expected.getRGB(x, y)) return false;
            }
        }
        return true;
    }
}
