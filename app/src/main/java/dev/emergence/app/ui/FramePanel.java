package dev.emergence.app.ui;

import dev.emergence.app.canvas.CanvasDocument;
import dev.emergence.app.canvas.LayerId;
import dev.emergence.app.canvas.Rect;
import dev.emergence.app.frame.FrameGenerations;
import dev.emergence.app.frame.InpaintOptions;
import dev.emergence.app.frame.OutpaintFill;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;

import java.util.Locale;

/**
 * The generation frame's settings: where it is (the Frame tool moves it), a button to frame the
 * whole canvas, inpainting only around the mask with its padding, the colour match at the seam,
 * and how outpainting pre-fills the part past the canvas.
 */
public final class FramePanel extends VBox {
    private final CanvasDocument doc;
    private final Label frameLabel = new Label();

    public FramePanel(CanvasDocument doc, FrameGenerations frames) {
        super(6);
        this.doc = doc;
        getStyleClass().add("frame-panel");
        setId("frame-panel");
        frameLabel.setId("frame-label");
        Button frameAll = new Button("Whole canvas");
        frameAll.setId("frame-all");
        frameAll.setOnAction(e -> doc.frameAll());
        frameLabel.setWrapText(true);
        VBox frameRow = new VBox(4, frameLabel, frameAll);
        InpaintOptions o0 = frames.options();
        CheckBox onlyMasked = new CheckBox("Inpaint only around the mask");
        onlyMasked.setId("inpaint-only-masked");
        onlyMasked.setSelected(o0.onlyMasked());
        Spinner<Integer> padding = new Spinner<>(0, 512, o0.paddingPx(), 8);
        padding.setId("inpaint-padding");
        padding.setEditable(true);
        padding.setPrefWidth(80);
        CheckBox match = new CheckBox("Match colours at the seam");
        match.setId("match-colours");
        match.setSelected(o0.matchColours());
        ComboBox<OutpaintFill> fill = new ComboBox<>();
        fill.setId("outpaint-fill");
        fill.getItems().setAll(OutpaintFill.values());
        fill.setValue(o0.fill());
        fill.setPrefWidth(150);
        Runnable push = () -> frames.optionsProperty().set(new InpaintOptions(onlyMasked.isSelected(),
                padding.getValue() == null ? InpaintOptions.DEFAULT_PADDING : padding.getValue(), match.isSelected(), fill.getValue()));
        onlyMasked.setOnAction(e -> push.run());
        match.setOnAction(e -> push.run());
        fill.setOnAction(e -> push.run());
        padding.valueProperty().addListener((ob, a, b) -> push.run());
        frames.optionsProperty().addListener((ob, a, b) -> {
            onlyMasked.setSelected(b.onlyMasked());
            padding.getValueFactory().setValue(b.paddingPx());
            match.setSelected(b.matchColours());
            fill.setValue(b.fill());
        });
        HBox padRow = new HBox(6, new Label("Padding"), padding, new Label("px"));
        padRow.setAlignment(Pos.CENTER_LEFT);
        HBox fillRow = new HBox(6, new Label("Outpaint fill"), fill);
        fillRow.setAlignment(Pos.CENTER_LEFT);

        CheckBox hires = new CheckBox("Hires fix: 2× Lanczos, then img2img in tiles");
        hires.setId("hires-fix");
        hires.selectedProperty().bindBidirectional(frames.hiresProperty());
        Spinner<Double> hiresStrength = new Spinner<>(0.05, 1.0, frames.hiresStrengthProperty().get(), 0.05);
        hiresStrength.setId("hires-strength");
        hiresStrength.setEditable(true);
        hiresStrength.setPrefWidth(80);
        hiresStrength.valueProperty().addListener((ob, a, b) -> {
            if (b != null) frames.hiresStrengthProperty().set(b);
        });
        frames.hiresStrengthProperty().addListener((ob, a, b) -> {
            if (!b.equals(hiresStrength.getValue())) hiresStrength.getValueFactory().setValue(b.doubleValue());
        });
        HBox hiresRow = new HBox(6, new Label("Hires strength"), hiresStrength);
        hiresRow.setAlignment(Pos.CENTER_LEFT);
        getChildren().addAll(frameRow, onlyMasked, padRow, match, fillRow, hires, hiresRow);
        doc.addListener(new CanvasDocument.Listener() {
            @Override
            public void regionChanged(LayerId layer, Rect rect) {
            }

            @Override
            public void layersReplaced() {
                showFrame();
            }

            @Override
            public void frameChanged(Rect frame) {
                showFrame();
            }
        });
        showFrame();
    }

    private void showFrame() {
        Rect f = doc.frame();
        frameLabel.setText(String.format(Locale.ROOT, "%d×%d at %d, %d%s", f.width(), f.height(), f.x(), f.y(),
                doc.outpainting() ? " · extends the canvas" : ""));
    }
}
