package dev.emergence.app.ui;

import dev.emergence.app.gallery.GalleryEntry;
import javafx.collections.ObservableList;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.MenuItem;
import javafx.scene.image.ImageView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.function.Consumer;

/**
 * The history: every result with its parameters, newest first. Selecting one shows it; the
 * buttons (and the context menu) restore its parameters, send it to the canvas, open its folder
 * or delete it.
 */
public final class GalleryView extends VBox {
    /** What the gallery's buttons do, given the selected entry. */
    public record Actions(Consumer<GalleryEntry> show, Consumer<GalleryEntry> restore, Consumer<GalleryEntry> toCanvas,
                          Consumer<GalleryEntry> openFolder, Consumer<GalleryEntry> delete) {
    }

    private final ListView<GalleryEntry> list = new ListView<>();

    public GalleryView(ObservableList<GalleryEntry> entries, Actions actions) {
        getStyleClass().add("gallery");
        setId("gallery");
        Label title = new Label("HISTORY");
        title.getStyleClass().add("section");
        list.setId("gallery-list");
        list.setItems(entries);
        list.setCellFactory(l -> new EntryCell());
        list.setPlaceholder(new Label("Results appear here,\nsaved with their parameters."));
        VBox.setVgrow(list, Priority.ALWAYS);
        list.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (b != null) actions.show().accept(b);
        });

        Button restore = button("gallery-restore", "mdi2t-tune-variant", "Restore all parameters", () -> selected(actions.restore()));
        Button canvas = button("gallery-canvas", "mdi2i-image-move", "Use as canvas", () -> selected(actions.toCanvas()));
        Button folder = button("gallery-folder", "mdi2f-folder-open-outline", "Open the output folder", () -> selected(actions.openFolder()));
        Button delete = button("gallery-delete", "mdi2d-delete-outline", "Delete: move the picture to the studio's trash (Undo in the status bar)", () -> selected(actions.delete()));
        for (Button b : new Button[] {restore, canvas, delete}) {
            b.disableProperty().bind(list.getSelectionModel().selectedItemProperty().isNull());
        }
        HBox bar = new HBox(4, restore, canvas, folder, delete);
        bar.setAlignment(Pos.CENTER);
        bar.getStyleClass().add("gallery-bar");

        ContextMenu menu = new ContextMenu(
                item("Restore parameters", () -> selected(actions.restore())),
                item("Use as canvas", () -> selected(actions.toCanvas())),
                item("Open folder", () -> selected(actions.openFolder())),
                item("Delete", () -> selected(actions.delete())));
        list.setContextMenu(menu);
        getChildren().addAll(title, list, bar);
    }

    private void selected(Consumer<GalleryEntry> action) {
        GalleryEntry e = list.getSelectionModel().getSelectedItem();
        if (e != null) action.accept(e);
    }

    private static Button button(String id, String icon, String tip, Runnable r) {
        Button b = new Button();
        b.setId(id);
        Icons.decorate(b, icon, tip, null);
        b.setOnAction(e -> r.run());
        return b;
    }

    private static MenuItem item(String text, Runnable r) {
        MenuItem m = new MenuItem(text);
        m.setOnAction(e -> r.run());
        return m;
    }

    public ListView<GalleryEntry> list() { return list; }

    private static final class EntryCell extends ListCell<GalleryEntry> {
        private final ImageView thumb = new ImageView();
        private final Label prompt = new Label();
        private final Label details = new Label();
        private final HBox box;

        EntryCell() {
            thumb.setFitWidth(56);
            thumb.setFitHeight(56);
            thumb.setPreserveRatio(true);
            prompt.getStyleClass().add("entry-prompt");
            prompt.setWrapText(true);
            prompt.setMaxHeight(34);
            details.getStyleClass().add("entry-details");
            details.setWrapText(true);
            VBox text = new VBox(2, prompt, details);
            HBox.setHgrow(text, Priority.ALWAYS);
            text.setMinWidth(0);
            text.setPrefWidth(10);
            box = new HBox(8, thumb, text);
            box.setAlignment(Pos.CENTER_LEFT);
        }

        @Override
        protected void updateItem(GalleryEntry e, boolean empty) {
            super.updateItem(e, empty);
            if (empty || e == null) {
                setGraphic(null);
                setText(null);
                return;
            }
            thumb.setImage(e.thumbnail());
            prompt.setText(e.request().prompt().isBlank() ? "(no prompt)" : e.request().prompt());
            details.setText(e.details());
            setText(null);
            setGraphic(box);
        }
    }
}
