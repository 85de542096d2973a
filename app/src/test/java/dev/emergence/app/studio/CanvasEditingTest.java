package dev.emergence.app.studio;

import dev.emergence.app.canvas.LayerId;
import dev.emergence.app.canvas.Tool;
import dev.emergence.engine.pipeline.GenerationMode;
import javafx.scene.input.KeyCode;
import org.testfx.util.WaitForAsyncUtils;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CanvasEditingTest extends StudioTest {
    @Test
    void undoAndRedoStrokesWithTheKeyboard() {
        waitForModel();
        fx(() -> studio.tools().sizeProperty().set(6));
        type(KeyCode.B);
        assertEquals(Tool.BRUSH, onFx(() -> studio.tools().toolProperty().get()));
        strokeOnCanvas(10, 10, 30, 20, 50, 12);
        int[] first = onFx(() -> studio.canvas().layer(LayerId.PAINT).pixels().clone());
        assertEquals(GenerationMode.IMG2IMG, onFx(() -> studio.canvas().mode()), "a painted canvas means image to image");
        // The stroke went where the pointer went: its middle point is painted, a far corner is not.
        assertTrue(alphaAt(30, 20) > 0);
        assertEquals(0, alphaAt(5, 60));

        strokeOnCanvas(10, 50, 50, 50);
        int[] second = onFx(() -> studio.canvas().layer(LayerId.PAINT).pixels().clone());
        assertTrue(alphaAt(30, 50) > 0);

        push(KeyCode.CONTROL, KeyCode.Z);
        assertArrayEquals(first, paint(), "undo takes back the second stroke exactly");
        push(KeyCode.CONTROL, KeyCode.Z);
        assertTrue(onFx(() -> studio.canvas().layer(LayerId.PAINT).isBlank()));
        assertEquals(GenerationMode.TXT2IMG, onFx(() -> studio.canvas().mode()));
        assertTrue(lookup("#undo").query().isDisabled());

        push(KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.Z);
        assertArrayEquals(first, paint());
        clickOn("#redo");
        assertArrayEquals(second, paint());
        assertTrue(lookup("#redo").query().isDisabled());
    }

    @Test
    void toolShortcutsAndBrushSize() {
        waitForModel();
        type(KeyCode.M);
        assertEquals(Tool.MASK_BRUSH, onFx(() -> studio.tools().toolProperty().get()));
        assertTrue(onFx(() -> lookup("#tool-mask-brush").queryAs(javafx.scene.control.ToggleButton.class).isSelected()));
        type(KeyCode.E);
        assertEquals(Tool.ERASER, onFx(() -> studio.tools().toolProperty().get()));
        fx(() -> studio.tools().sizeProperty().set(20));
        type(KeyCode.CLOSE_BRACKET);
        assertEquals(23, onFx(() -> studio.tools().sizeProperty().get()), 1e-9, "] grows the brush by 15 %");
        type(KeyCode.OPEN_BRACKET);
        type(KeyCode.OPEN_BRACKET);
        assertTrue(onFx(() -> studio.tools().sizeProperty().get()) < 20);
        // Letters typed into the prompt are text, not tool shortcuts.
        clickOn("#prompt").write("bem");
        assertEquals(Tool.ERASER, onFx(() -> studio.tools().toolProperty().get()));
        assertEquals("bem", onFx(() -> studio.parameters().promptProperty().get()));
    }

    @Test
    void maskBrushMakesInpaintingAndClearMaskUndoes() {
        waitForModel();
        fx(() -> studio.tools().sizeProperty().set(10));
        type(KeyCode.M);
        strokeOnCanvas(20, 20, 40, 40);
        assertEquals(GenerationMode.INPAINT, onFx(() -> studio.canvas().mode()));
        assertFalse(onFx(() -> studio.canvas().layer(LayerId.MASK).isBlank()));
        assertTrue(onFx(() -> studio.canvas().layer(LayerId.PAINT).isBlank()), "the mask brush paints only the mask");
        clickOn("#mask-invert");
        assertEquals(0, onFx(() -> studio.canvas().layer(LayerId.MASK).get(30, 30) >>> 24), "inverted: the stroke is now unmasked");
        clickOn("#mask-clear");
        assertEquals(GenerationMode.TXT2IMG, onFx(() -> studio.canvas().mode()));
        push(KeyCode.CONTROL, KeyCode.Z);
        assertEquals(GenerationMode.INPAINT, onFx(() -> studio.canvas().mode()));
    }

    @Test
    void zoomWithTheWheelAndPanWithSpaceHeld() {
        waitForModel();
        // Fit explicitly first: the canvas re-fits to the model's size only on the next layout pass.
        push(KeyCode.CONTROL, KeyCode.DIGIT0);
        WaitForAsyncUtils.waitForFxEvents();
        double fitted = onFx(() -> studio.canvasView().zoom());
        moveTo(onScreen(32, 32));
        scroll(5, javafx.geometry.VerticalDirection.UP);
        double zoomed = onFx(() -> studio.canvasView().zoom());
        assertTrue(Math.abs(Math.log(zoomed / fitted)) > 0.3, "zoom " + fitted + " → " + zoomed);
        // The canvas point under the pointer stays under it while zooming.
        javafx.geometry.Point2D after = onFx(() -> {
            var v = studio.canvasView();
            return v.toCanvas(v.screenToLocal(onScreenStatic(v, 32, 32)).getX(), v.screenToLocal(onScreenStatic(v, 32, 32)).getY());
        });
        assertEquals(32, after.getX(), 1.0);

        javafx.geometry.Point2D before = onScreen(20, 20);
        press(KeyCode.SPACE);
        drag(before, javafx.scene.input.MouseButton.PRIMARY).moveBy(40, 25).release(javafx.scene.input.MouseButton.PRIMARY);
        release(KeyCode.SPACE);
        javafx.geometry.Point2D moved = onScreen(20, 20);
        assertEquals(before.getX() + 40, moved.getX(), 2);
        assertEquals(before.getY() + 25, moved.getY(), 2);
        assertTrue(onFx(() -> studio.canvas().layer(LayerId.PAINT).isBlank()), "dragging with Space held pans, it does not paint");

        push(KeyCode.CONTROL, KeyCode.DIGIT0);
        assertEquals(fitted, onFx(() -> studio.canvasView().zoom()), 1e-9, "Ctrl+0 fits the canvas again");
    }

    @Test
    void fillAndEyedropperOnTheCanvas() {
        waitForModel();
        fx(() -> studio.tools().colorProperty().set(0x33aa55));
        type(KeyCode.G);
        assertEquals(Tool.FILL, onFx(() -> studio.tools().toolProperty().get()));
        clickOn(onScreen(10, 10));
        assertEquals(0xff33aa55, (int) onFx(() -> studio.canvas().layer(LayerId.PAINT).get(60, 60)), "the empty canvas fills entirely");
        fx(() -> studio.tools().colorProperty().set(0x000000));
        type(KeyCode.I);
        clickOn(onScreen(30, 30));
        assertEquals(0x33aa55, (int) onFx(() -> studio.tools().colorProperty().get()), "the eyedropper picks the canvas colour");
        assertEquals(0x33aa55, (int) onFx(() -> toRgb(lookup("#brush-color").queryAs(javafx.scene.control.ColorPicker.class).getValue())),
                "the colour picker shows the picked colour");
    }

    @Test
    void everyToolHasAnIconAndATooltipNamingItsShortcut() {
        waitForModel();
        String[][] expected = {{"#tool-brush", "(B)"}, {"#tool-eraser", "(E)"}, {"#tool-fill", "(G)"}, {"#tool-eyedropper", "(I)"},
                {"#tool-mask-brush", "(M)"}, {"#tool-mask-eraser", "(Shift+M)"}, {"#undo", "(Ctrl+Z)"}, {"#redo", "(Ctrl+Shift+Z)"},
                {"#generate", "(Ctrl+Enter)"}, {"#cancel", "(Esc)"}, {"#save", "(Ctrl+S)"}, {"#open", "(Ctrl+O)"}};
        for (String[] e : expected) {
            javafx.scene.control.ButtonBase b = lookup(e[0]).queryAs(javafx.scene.control.ButtonBase.class);
            assertTrue(b.getGraphic() instanceof org.kordamp.ikonli.javafx.FontIcon, e[0] + " has an icon");
            assertTrue(b.getTooltip() != null && b.getTooltip().getText().endsWith(e[1]), e[0] + ": " + b.getTooltip());
        }
    }

    private static int toRgb(javafx.scene.paint.Color c) {
        return (int) Math.round(c.getRed() * 255) << 16 | (int) Math.round(c.getGreen() * 255) << 8 | (int) Math.round(c.getBlue() * 255);
    }

    private static javafx.geometry.Point2D onScreenStatic(dev.emergence.app.ui.CanvasView v, double x, double y) {
        return v.localToScreen(v.toView(x, y));
    }

    private int alphaAt(int x, int y) {
        return onFx(() -> studio.canvas().layer(LayerId.PAINT).get(x, y) >>> 24);
    }

    private int[] paint() {
        return onFx(() -> studio.canvas().layer(LayerId.PAINT).pixels().clone());
    }
}
