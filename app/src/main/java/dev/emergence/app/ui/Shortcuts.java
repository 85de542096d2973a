package dev.emergence.app.ui;

import dev.emergence.app.canvas.Tool;
import dev.emergence.app.canvas.ToolSettings;
import javafx.scene.Scene;
import javafx.scene.control.TextInputControl;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;

/**
 * The studio's keyboard: Ctrl+Enter generate, Esc cancel, Ctrl+Z / Ctrl+Shift+Z (and Ctrl+Y)
 * undo/redo, Ctrl+S save, Ctrl+O open, Ctrl+V paste, Ctrl+0 fit; and, unless a text field has
 * the focus, B brush, E eraser, G fill, I eyedropper, M mask brush (Shift+M mask eraser), [ and ]
 * brush size, Space held to pan.
 */
public final class Shortcuts {
    /** What the keys do. */
    public record Actions(Runnable generate, Runnable cancel, Runnable undo, Runnable redo, Runnable save,
                          Runnable open, Runnable paste, Runnable fit) {
    }

    private static final KeyCombination GENERATE = new KeyCodeCombination(KeyCode.ENTER, KeyCombination.SHORTCUT_DOWN);
    private static final KeyCombination UNDO = new KeyCodeCombination(KeyCode.Z, KeyCombination.SHORTCUT_DOWN);
    private static final KeyCombination REDO = new KeyCodeCombination(KeyCode.Z, KeyCombination.SHORTCUT_DOWN, KeyCombination.SHIFT_DOWN);
    private static final KeyCombination REDO_Y = new KeyCodeCombination(KeyCode.Y, KeyCombination.SHORTCUT_DOWN);
    private static final KeyCombination SAVE = new KeyCodeCombination(KeyCode.S, KeyCombination.SHORTCUT_DOWN);
    private static final KeyCombination OPEN = new KeyCodeCombination(KeyCode.O, KeyCombination.SHORTCUT_DOWN);
    private static final KeyCombination PASTE = new KeyCodeCombination(KeyCode.V, KeyCombination.SHORTCUT_DOWN);
    private static final KeyCombination FIT = new KeyCodeCombination(KeyCode.DIGIT0, KeyCombination.SHORTCUT_DOWN);

    private Shortcuts() {
    }

    public static void install(Scene scene, Actions a, ToolSettings tools, CanvasView canvas) {
        scene.addEventFilter(KeyEvent.KEY_PRESSED, e -> {
            boolean typing = scene.getFocusOwner() instanceof TextInputControl;
            if (GENERATE.match(e)) {
                a.generate().run();
            } else if (e.getCode() == KeyCode.ESCAPE && !typing) {
                a.cancel().run();
            } else if (REDO.match(e) || REDO_Y.match(e)) {
                if (typing) return;
                a.redo().run();
            } else if (UNDO.match(e)) {
                // In a text field Ctrl+Z undoes typing, as everywhere.
                if (typing) return;
                a.undo().run();
            } else if (SAVE.match(e)) {
                a.save().run();
            } else if (OPEN.match(e)) {
                a.open().run();
            } else if (PASTE.match(e)) {
                if (typing) return;
                a.paste().run();
            } else if (FIT.match(e)) {
                a.fit().run();
            } else if (!typing && !e.isShortcutDown() && !e.isAltDown()) {
                if (!toolKey(e, tools, canvas)) return;
            } else {
                return;
            }
            e.consume();
        });
        scene.addEventFilter(KeyEvent.KEY_RELEASED, e -> {
            if (e.getCode() == KeyCode.SPACE) canvas.setSpaceHeld(false);
        });
        // Escape while typing in a field still cancels a running generation when the field has nothing to revert.
        scene.addEventHandler(KeyEvent.KEY_PRESSED, e -> {
            if (e.getCode() == KeyCode.ESCAPE && !e.isConsumed()) a.cancel().run();
        });
    }

    private static boolean toolKey(KeyEvent e, ToolSettings tools, CanvasView canvas) {
        switch (e.getCode()) {
            case B -> tools.toolProperty().set(Tool.BRUSH);
            case E -> tools.toolProperty().set(Tool.ERASER);
            case G -> tools.toolProperty().set(Tool.FILL);
            case I -> tools.toolProperty().set(Tool.EYEDROPPER);
            case M -> tools.toolProperty().set(e.isShiftDown() ? Tool.MASK_ERASER : Tool.MASK_BRUSH);
            case F -> tools.toolProperty().set(Tool.FRAME);
            case LEFT, RIGHT, UP, DOWN -> {
                if (tools.toolProperty().get() != Tool.FRAME) return false;
                int step = e.isShiftDown() ? 64 : dev.emergence.app.canvas.CanvasDocument.FRAME_SNAP;
                int dx = e.getCode() == javafx.scene.input.KeyCode.LEFT ? -step : e.getCode() == javafx.scene.input.KeyCode.RIGHT ? step : 0;
                int dy = e.getCode() == javafx.scene.input.KeyCode.UP ? -step : e.getCode() == javafx.scene.input.KeyCode.DOWN ? step : 0;
                canvas.nudgeFrame(dx, dy);
            }
            case OPEN_BRACKET -> tools.growBrush(false);
            case CLOSE_BRACKET -> tools.growBrush(true);
            case SPACE -> {
                // Space over buttons would press them; held, it pans the canvas.
                canvas.setSpaceHeld(true);
            }
            default -> {
                return false;
            }
        }
        return true;
    }
}
