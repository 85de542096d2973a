package dev.emergence.app.ui;

import dev.emergence.app.fx.FxImages;
import dev.emergence.app.frame.FrameGenerations;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.image.ImageView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.TilePane;
import javafx.scene.layout.VBox;

import java.util.function.Consumer;

/**
 * The last batch's pictures as a grid: click one to place it as a layer where the batch was made
 * for (a placed one is marked; it can be placed again). Hidden while there is no batch.
 */
public final class BatchGridView extends VBox {
    private final TilePane grid = new TilePane(4, 4);

    public BatchGridView(FrameGenerations frames, Consumer<FrameGenerations.Pick> place) {
        super(4);
        setId("batch-grid");
        getStyleClass().add("batch-grid");
        Label title = new Label("BATCH · click one to place it as a layer");
        title.getStyleClass().add("pane-title");
        Button close = new Button();
        close.setId("batch-close");
        Icons.decorate(close, "mdi2c-close", "Put the batch away (its pictures stay in the history)", null);
        close.setOnAction(e -> frames.picks().clear());
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox head = new HBox(4, title, gap, close);
        head.setAlignment(Pos.CENTER_LEFT);
        grid.setPrefColumns(3);
        setMinHeight(USE_PREF_SIZE);
        getChildren().addAll(head, grid);
        frames.picks().addListener((javafx.collections.ListChangeListener<FrameGenerations.Pick>) c -> rebuild(frames, place));
        visibleProperty().bind(javafx.beans.binding.Bindings.isNotEmpty(frames.picks()));
        managedProperty().bind(visibleProperty());
    }

    private void rebuild(FrameGenerations frames, Consumer<FrameGenerations.Pick> place) {
        grid.getChildren().clear();
        int i = 0;
        for (FrameGenerations.Pick p : frames.picks()) {
            ImageView v = new ImageView(FxImages.thumbnail(p.picture(), 72));
            StackPane tile = new StackPane(v);
            tile.setId("batch-pick-" + i++);
            tile.getStyleClass().add("thumb-box");
            javafx.scene.control.Tooltip.install(tile, new javafx.scene.control.Tooltip("seed " + p.request().seed() + ": click to place it as a layer"));
            tile.setOnMouseClicked(e -> {
                place.accept(p);
                tile.setOpacity(0.55);
            });
            grid.getChildren().add(tile);
        }
    }
}
