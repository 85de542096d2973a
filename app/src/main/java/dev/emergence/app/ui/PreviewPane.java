package dev.emergence.app.ui;

import javafx.beans.property.ObjectProperty;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.image.Image;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;

/**
 * Where the picture emerges: one picture (live preview, result, or one view of a step) or two side
 * by side (a step's noisy latent beside its x0 jump), each scaled to fit with its caption.
 */
public final class PreviewPane extends VBox {
    private final Frame left = new Frame("preview-left");
    private final Frame right = new Frame("preview-right");
    private final Label title = new Label();
    private final Label placeholder = new Label("The picture appears here as it emerges.\nType a prompt and press Ctrl+Enter.");

    public PreviewPane() {
        getStyleClass().add("preview-pane");
        setId("preview");
        title.getStyleClass().add("pane-title");
        placeholder.getStyleClass().add("placeholder");
        placeholder.setWrapText(true);
        HBox frames = new HBox(8, left, right);
        frames.setAlignment(Pos.CENTER);
        HBox.setHgrow(left, Priority.ALWAYS);
        HBox.setHgrow(right, Priority.ALWAYS);
        StackPane body = new StackPane(frames, placeholder);
        VBox.setVgrow(body, Priority.ALWAYS);
        getChildren().addAll(title, body);
        showPicture(null, "");
    }

    /** One picture; null shows the placeholder. */
    public void showPicture(Image image, String caption) {
        left.show(image, caption);
        right.setVisible(false);
        right.setManaged(false);
        placeholder.setVisible(image == null);
    }

    /** Two pictures side by side (either may still be decoding: null keeps the frame empty). */
    public void showPair(Image a, String captionA, Image b, String captionB) {
        left.show(a, captionA);
        right.show(b, captionB);
        right.setVisible(true);
        right.setManaged(true);
        placeholder.setVisible(false);
    }

    public void setTitle(String text) {
        title.setText(text);
    }

    /** The picture in the first (or only) frame: what tests and screenshots check. */
    public ObjectProperty<Image> shownImageProperty() { return left.view.imageProperty(); }

    public ObjectProperty<Image> secondImageProperty() { return right.view.imageProperty(); }

    public boolean sideBySide() { return right.isVisible(); }

    private static final class Frame extends VBox {
        private final FitImageView view = new FitImageView();
        private final Label caption = new Label();

        Frame(String id) {
            getStyleClass().add("preview-frame");
            view.setId(id);
            view.getStyleClass().add("image-holder");
            caption.getStyleClass().add("caption");
            VBox.setVgrow(view, Priority.ALWAYS);
            setAlignment(Pos.CENTER);
            setMinWidth(0);
            setPrefWidth(0);
            setMaxWidth(Double.MAX_VALUE);
            getChildren().addAll(view, caption);
        }

        void show(Image image, String text) {
            view.imageProperty().set(image);
            caption.setText(text == null ? "" : text);
        }
    }
}
