package dev.emergence.app.ui;

import dev.emergence.app.generation.GenerationQueue;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

/** The pictures waiting to be made, each with a button that takes it out; hidden while none waits. */
public final class QueueView extends VBox {
    public QueueView(GenerationQueue queue) {
        super(4);
        setId("queue");
        getStyleClass().add("queue-view");
        Label title = new Label("QUEUE");
        title.getStyleClass().add("pane-title");
        ListView<GenerationQueue.Job> list = new ListView<>(queue.waiting());
        list.setId("queue-list");
        list.setPrefHeight(90);
        list.setMinHeight(90);
        // The history below grows; the queue keeps its rows.
        setMinHeight(USE_PREF_SIZE);
        list.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(GenerationQueue.Job j, boolean empty) {
                super.updateItem(j, empty);
                if (empty || j == null) {
                    setGraphic(null);
                    return;
                }
                Label l = new Label(j.label());
                l.getStyleClass().add("entry-details");
                Button remove = new Button();
                remove.getStyleClass().add("queue-remove");
                Icons.decorate(remove, "mdi2c-close", "Take this picture out of the queue", null);
                remove.setOnAction(e -> queue.remove(j));
                Region gap = new Region();
                HBox.setHgrow(gap, Priority.ALWAYS);
                HBox row = new HBox(4, l, gap, remove);
                row.setAlignment(Pos.CENTER_LEFT);
                setGraphic(row);
            }
        });
        getChildren().addAll(title, list);
        visibleProperty().bind(javafx.beans.binding.Bindings.isNotEmpty(queue.waiting()));
        managedProperty().bind(visibleProperty());
    }
}
