package dev.emergence.app.ui;

import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import org.controlsfx.control.NotificationPane;

/**
 * The studio's window layout: header with file actions, the prompt panel on the left, the canvas
 * beside the emerging picture in the middle with progress and the step scrubber under them, the
 * history on the right, the status bar at the bottom. Notifications slide in over the middle.
 */
public final class MainWindow extends BorderPane {
    /** The header's buttons, wired by the studio. */
    public record HeaderActions(Runnable newDocument, Runnable open, Runnable saveProject, Runnable export, Runnable save, Runnable paste,
                                Runnable resultToCanvas, Runnable outputFolder, Runnable models) {
    }

    private final NotificationPane notifications;
    private final SplitPane work;

    public MainWindow(PromptPanel prompt, CanvasToolBar toolbar, CanvasView canvas, PreviewPane preview,
                      ProgressPanel progress, StepScrubber scrubber, LayersPanel layers, Node queue, Node batchGrid, GalleryView gallery,
                      StatusBar status,
                      HeaderActions actions) {
        getStyleClass().add("main-window");
        setId("main-window");

        setTop(header(actions));

        StackPane canvasHolder = new StackPane(canvas);
        canvasHolder.getStyleClass().add("canvas-holder");
        HBox.setHgrow(canvasHolder, Priority.ALWAYS);
        HBox canvasRow = new HBox(toolbar.strip(), canvasHolder);
        VBox.setVgrow(canvasRow, Priority.ALWAYS);
        Label canvasTitle = new Label("Canvas");
        canvasTitle.getStyleClass().add("pane-title");
        VBox canvasPane = new VBox(canvasTitle, canvasRow);
        canvasPane.getStyleClass().add("work-pane");
        preview.getStyleClass().add("work-pane");
        work = new SplitPane(canvasPane, preview);
        work.setOrientation(Orientation.HORIZONTAL);
        work.setDividerPositions(0.5);
        work.getStyleClass().add("work-split");
        VBox.setVgrow(work, Priority.ALWAYS);
        VBox below = new VBox(6, progress, scrubber);
        below.getStyleClass().add("below-work");
        VBox center = new VBox(toolbar.brushBar(), work, below);
        center.getStyleClass().add("center");
        notifications = new NotificationPane(center);
        notifications.setId("notifications");
        notifications.setShowFromTop(true);
        setCenter(notifications);

        prompt.setPrefWidth(330);
        prompt.setMinWidth(280);
        setLeft(prompt);
        VBox history = new VBox(queue, batchGrid, gallery);
        VBox.setVgrow(gallery, Priority.ALWAYS);
        history.getStyleClass().add("history-column");
        SplitPane right = new SplitPane(layers, history);
        right.setOrientation(Orientation.VERTICAL);
        right.setDividerPositions(0.5);
        right.setPrefWidth(250);
        right.setMinWidth(200);
        right.getStyleClass().add("right-split");
        setRight(right);
        setBottom(status);
    }

    private static Node header(HeaderActions a) {
        Label logo = new Label("Emergence Studio");
        logo.getStyleClass().add("app-title");
        logo.setGraphic(Icons.icon("mdi2c-creation"));
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox h = new HBox(6, logo, gap,
                headerButton("new-document", "mdi2f-file-outline", "New", "A new document of any size", null, a.newDocument()),
                headerButton("open", "mdi2f-folder-image", "Open", "Open a project, an image or a PNG with parameters", "Ctrl+O", a.open()),
                headerButton("save-project", "mdi2c-content-save-all-outline", "Save project",
                        "Save the document (layers, frame, generations) as a project file", null, a.saveProject()),
                headerButton("export", "mdi2e-export", "Export", "Export the flattened picture as PNG with the parameters of the generation it shows", null, a.export()),
                headerButton("save", "mdi2c-content-save-outline", "Save", "Save the picture with its parameters", "Ctrl+S", a.save()),
                headerButton("paste", "mdi2c-content-paste", "Paste", "Paste an image onto the canvas", "Ctrl+V", a.paste()),
                headerButton("result-to-canvas", "mdi2i-image-move", "To canvas", "Place the picture as a new layer in the frame", null, a.resultToCanvas()),
                headerButton("output-folder", "mdi2f-folder-open-outline", "Outputs", "Open the output folder", null, a.outputFolder()),
                headerButton("header-models", "mdi2b-bookshelf", "Models", "The model library: import, download, remove", null, a.models()));
        h.setAlignment(Pos.CENTER_LEFT);
        h.getStyleClass().add("header");
        return h;
    }

    private static Button headerButton(String id, String icon, String text, String tip, String key, Runnable r) {
        Button b = new Button(text);
        b.setId(id);
        Icons.decorate(b, icon, tip, key);
        b.setOnAction(e -> r.run());
        b.getStyleClass().add("header-button");
        return b;
    }

    public NotificationPane notificationPane() { return notifications; }

    public SplitPane workSplit() { return work; }
}
