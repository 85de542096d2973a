package dev.emergence.app.ui;

import dev.emergence.app.canvas.CanvasDocument;
import dev.emergence.app.canvas.DocLayer;
import dev.emergence.app.canvas.LayerId;
import dev.emergence.app.canvas.Rect;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.Slider;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The document's layers, top of the stack first with the mask above them all: show or hide,
 * lock, rename, opacity, add, duplicate, delete, reorder, merge down, flatten; and the generation
 * frame's settings (where it is, inpainting only around the mask, colour match, outpainting fill).
 * Every change goes through the document, so it is one undo step.
 */
public final class LayersPanel extends javafx.scene.control.ScrollPane {
    private final CanvasDocument doc;
    private final ListView<DocLayer> list = new ListView<>();
    private final TextField name = new TextField();
    private final Slider opacity = new Slider(0, 100, 100);
    private final ToggleButton lock = new ToggleButton();
    private boolean updating;

    public LayersPanel(CanvasDocument doc) {
        this.doc = doc;
        getStyleClass().add("layers-panel");
        setId("layers-panel");
        setFitToWidth(true);
        setHbarPolicy(ScrollBarPolicy.NEVER);
        VBox content = new VBox(6);
        content.setPadding(new javafx.geometry.Insets(8, 10, 8, 10));
        content.setMinWidth(0);
        Label title = new Label("Layers");
        title.getStyleClass().add("pane-title");

        list.setId("layers-list");
        list.setPrefHeight(150);
        list.setMinHeight(100);
        list.setPrefWidth(200);
        list.setCellFactory(v -> new LayerCell());
        list.getSelectionModel().selectedItemProperty().addListener((o, a, l) -> {
            if (updating || l == null) return;
            if (!l.isMask()) doc.setActive(l);
            showSelected();
        });

        javafx.scene.layout.FlowPane buttons = new javafx.scene.layout.FlowPane(4, 4,
                button("layer-add", "mdi2l-layers-plus", "Add an empty layer above the active one", doc::addLayer),
                button("layer-duplicate", "mdi2c-content-copy", "Duplicate the active layer", doc::duplicateLayer),
                button("layer-delete", "mdi2l-layers-remove", "Delete the active layer", doc::deleteLayer),
                button("layer-up", "mdi2a-arrow-up", "Move the active layer up", () -> doc.moveLayer(1)),
                button("layer-down", "mdi2a-arrow-down", "Move the active layer down", () -> doc.moveLayer(-1)),
                button("layer-merge", "mdi2a-arrow-collapse-down", "Merge the active layer into the one below", doc::mergeDown),
                button("layer-flatten", "mdi2l-layers-triple", "Flatten the visible layers into one", doc::flatten));
        buttons.getStyleClass().add("layer-buttons");

        name.setId("layer-name");
        name.setPrefColumnCount(8);
        name.setPromptText("layer name");
        name.setOnAction(e -> rename());
        name.focusedProperty().addListener((o, a, focused) -> {
            if (!focused) rename();
        });
        opacity.setId("layer-opacity");
        opacity.valueChangingProperty().addListener((o, a, changing) -> {
            if (!changing) commitOpacity();
        });
        opacity.setOnMouseReleased(e -> commitOpacity());
        lock.setId("layer-lock");
        Icons.decorate(lock, "mdi2l-lock-outline", "Lock the layer: nothing paints on it", null);
        lock.setOnAction(e -> {
            if (!updating) doc.setLocked(doc.activeLayer(), lock.isSelected());
        });
        HBox.setHgrow(name, Priority.ALWAYS);
        HBox edit = new HBox(4, name, lock);
        HBox opacityRow = new HBox(4, new Label("Opacity"), opacity);
        HBox.setHgrow(opacity, Priority.ALWAYS);
        opacityRow.setAlignment(Pos.CENTER_LEFT);

        content.getChildren().addAll(title, list, buttons, edit, opacityRow);
        setContent(content);
        doc.addListener(new CanvasDocument.Listener() {
            @Override
            public void regionChanged(LayerId layer, Rect rect) {
            }

            @Override
            public void layersReplaced() {
                refresh();
            }

            @Override
            public void stackChanged() {
                refresh();
            }
        });
        refresh();
    }

    private static Region spacer() {
        Region r = new Region();
        HBox.setHgrow(r, Priority.ALWAYS);
        return r;
    }

    private static Button button(String id, String icon, String tip, Runnable r) {
        Button b = new Button();
        b.setId(id);
        Icons.decorate(b, icon, tip, null);
        b.setOnAction(e -> r.run());
        return b;
    }

    private void rename() {
        if (updating) return;
        DocLayer l = doc.activeLayer();
        if (!name.getText().isBlank() && !name.getText().strip().equals(l.name())) doc.renameLayer(l, name.getText());
    }

    private void commitOpacity() {
        if (updating) return;
        DocLayer l = doc.activeLayer();
        double v = opacity.getValue() / 100;
        if (Math.abs(v - l.opacity()) > 1e-9) doc.setOpacity(l, v);
    }

    /** The stack as listed: the mask, then the paint layers from the top down. */
    public List<DocLayer> listed() {
        List<DocLayer> items = new ArrayList<>(doc.layers());
        Collections.reverse(items);
        items.add(0, doc.maskLayer());
        return items;
    }

    private void refresh() {
        updating = true;
        try {
            list.getItems().setAll(listed());
            list.getSelectionModel().select(doc.activeLayer());
            showSelected();
        } finally {
            updating = false;
        }
    }

    private void showSelected() {
        boolean was = updating;
        updating = true;
        try {
            DocLayer l = doc.activeLayer();
            name.setText(l.name());
            opacity.setValue(l.opacity() * 100);
            lock.setSelected(l.locked());
        } finally {
            updating = was;
        }
    }

    public ListView<DocLayer> list() { return list; }

    /** One row: visibility, name, opacity, lock. */
    private final class LayerCell extends ListCell<DocLayer> {
        @Override
        protected void updateItem(DocLayer l, boolean empty) {
            super.updateItem(l, empty);
            if (empty || l == null) {
                setGraphic(null);
                setText(null);
                return;
            }
            CheckBox visible = new CheckBox();
            visible.setSelected(l.visible());
            visible.getStyleClass().add("layer-visible");
            visible.setOnAction(e -> doc.setVisible(l, visible.isSelected()));
            Label n = new Label(l.name());
            n.getStyleClass().add(l.isMask() ? "layer-mask-name" : "layer-name");
            Label detail = new Label(l.isMask() ? "mask" : Math.round(l.opacity() * 100) + "%" + (l.locked() ? " · locked" : ""));
            detail.getStyleClass().add("layer-detail");
            HBox row = new HBox(6, visible, n, spacer(), detail);
            row.setAlignment(Pos.CENTER_LEFT);
            setText(null);
            setGraphic(row);
        }
    }
}
