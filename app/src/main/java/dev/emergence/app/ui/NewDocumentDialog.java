package dev.emergence.app.ui;

import dev.emergence.app.canvas.CanvasDocument;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.layout.GridPane;
import javafx.stage.Window;

import java.util.Optional;

/** Asks for a new document's width and height (1 to {@link CanvasDocument#MAX_SIDE} pixels). */
public final class NewDocumentDialog {
    private NewDocumentDialog() {
    }

    public static Optional<int[]> ask(Window owner, int width, int height, String stylesheet) {
        Dialog<int[]> d = new Dialog<>();
        d.initOwner(owner);
        d.setTitle("New document");
        d.setHeaderText("A canvas of any size: the generation frame brings each run to the model's size");
        Spinner<Integer> w = new Spinner<>(1, CanvasDocument.MAX_SIDE, width, 64);
        Spinner<Integer> h = new Spinner<>(1, CanvasDocument.MAX_SIDE, height, 64);
        w.setId("new-width");
        h.setId("new-height");
        w.setEditable(true);
        h.setEditable(true);
        GridPane g = new GridPane();
        g.setHgap(8);
        g.setVgap(8);
        g.addRow(0, new Label("Width"), w, new Label("px"));
        g.addRow(1, new Label("Height"), h, new Label("px"));
        d.getDialogPane().setContent(g);
        d.getDialogPane().getButtonTypes().setAll(ButtonType.OK, ButtonType.CANCEL);
        d.getDialogPane().getStylesheets().add(stylesheet);
        d.setResultConverter(b -> b == ButtonType.OK ? new int[] {w.getValue(), h.getValue()} : null);
        return d.showAndWait();
    }
}
