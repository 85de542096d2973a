package dev.emergence.app.ui;

import dev.emergence.app.canvas.CanvasDocument;
import dev.emergence.app.canvas.Tool;
import dev.emergence.app.canvas.ToolSettings;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ColorPicker;
import javafx.scene.control.Label;
import javafx.scene.control.Separator;
import javafx.scene.control.Slider;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.ToolBar;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;

import java.util.EnumMap;
import java.util.Map;

/**
 * The canvas's controls: a vertical strip of tools and canvas actions beside the canvas (every
 * tool with its icon and a tooltip naming its shortcut) and a bar with the brush's settings.
 */
public final class CanvasToolBar {
    private final Map<Tool, ToggleButton> toolButtons = new EnumMap<>(Tool.class);
    private final ToolBar strip = new ToolBar();
    private final ToolBar brushBar = new ToolBar();

    public CanvasToolBar(CanvasDocument doc, ToolSettings tools, Runnable fit) {
        strip.setOrientation(Orientation.VERTICAL);
        strip.getStyleClass().add("tool-strip");
        strip.setId("tool-strip");
        brushBar.getStyleClass().add("brush-bar");
        brushBar.setId("brush-bar");
        ToggleGroup group = new ToggleGroup();
        addTool(group, tools, Tool.BRUSH, "mdi2b-brush", "Brush", "B");
        addTool(group, tools, Tool.ERASER, "mdi2e-eraser", "Eraser", "E");
        addTool(group, tools, Tool.FILL, "mdi2f-format-color-fill", "Fill", "G");
        addTool(group, tools, Tool.EYEDROPPER, "mdi2e-eyedropper", "Eyedropper", "I");
        strip.getItems().add(sep());
        addTool(group, tools, Tool.MASK_BRUSH, "mdi2d-drama-masks", "Mask brush: paint where the picture is repainted", "M");
        addTool(group, tools, Tool.MASK_ERASER, "mdi2e-eraser-variant", "Mask eraser", "Shift+M");
        strip.getItems().add(sep());
        addTool(group, tools, Tool.FRAME, "mdi2c-crop-free",
                "Frame: drag to move the generation frame, its handles to resize it, arrows to nudge it (Shift: 64 px)", "F");
        toolButtons.get(tools.toolProperty().get()).setSelected(true);
        group.selectedToggleProperty().addListener((o, a, b) -> {
            if (b == null) a.setSelected(true);
            else tools.toolProperty().set((Tool) b.getUserData());
        });
        tools.toolProperty().addListener((o, a, b) -> toolButtons.get(b).setSelected(true));

        Button invert = action("mask-invert", "mdi2s-select-inverse", "Invert the mask", null, doc::invertMask);
        Button feather = action("mask-feather", "mdi2b-blur", "Feather the mask's edge", null,
                () -> doc.featherMask(tools.featherRadiusProperty().get()));
        Button clearMask = action("mask-clear", "mdi2s-selection-off", "Clear the mask", null, doc::clearMask);
        for (Button b : new Button[] {invert, feather, clearMask}) b.getStyleClass().add("mask-op");
        strip.getItems().addAll(invert, feather, clearMask, sep());

        Slider size = new Slider(1, 200, tools.sizeProperty().get());
        size.setId("brush-size");
        size.setPrefWidth(96);
        size.valueProperty().bindBidirectional(tools.sizeProperty());
        Icons.tooltip(size, "Brush size  ([ and ])");
        Label sizeValue = new Label();
        sizeValue.getStyleClass().add("tool-value");
        sizeValue.setMinWidth(30);
        sizeValue.textProperty().bind(tools.sizeProperty().asString("%.0f px"));
        Slider hardness = new Slider(0, 1, tools.hardnessProperty().get());
        hardness.setId("brush-hardness");
        hardness.setPrefWidth(60);
        hardness.valueProperty().bindBidirectional(tools.hardnessProperty());
        Icons.tooltip(hardness, "Hardness: soft to hard edge");
        Slider opacity = new Slider(0.05, 1, tools.opacityProperty().get());
        opacity.setId("brush-opacity");
        opacity.setPrefWidth(60);
        opacity.valueProperty().bindBidirectional(tools.opacityProperty());
        Icons.tooltip(opacity, "Opacity");
        ColorPicker color = new ColorPicker(toColor(tools.colorProperty().get()));
        color.setId("brush-color");
        color.getStyleClass().add("button");
        Icons.tooltip(color, "Paint colour");
        color.valueProperty().addListener((o, a, b) -> tools.colorProperty().set(toRgb(b)));
        tools.colorProperty().addListener((o, a, b) -> {
            if (toRgb(color.getValue()) != b.intValue()) color.setValue(toColor(b.intValue()));
        });
        brushBar.getItems().addAll(color, label("Size"), size, sizeValue, label("Hardness"), hardness, label("Opacity"), opacity);

        Button undo = action("undo", "mdi2u-undo", "Undo", "Ctrl+Z", doc::undo);
        undo.disableProperty().bind(doc.canUndoProperty().not());
        Button redo = action("redo", "mdi2r-redo", "Redo", "Ctrl+Shift+Z", doc::redo);
        redo.disableProperty().bind(doc.canRedoProperty().not());
        Button clear = action("canvas-clear", "mdi2d-delete-sweep-outline", "Clear the painting", null, doc::clearPaint);
        Button fitButton = action("zoom-fit", "mdi2f-fit-to-page-outline", "Fit the canvas in view", "Ctrl+0", fit);
        strip.getItems().addAll(undo, redo, sep(), clear, fitButton);
    }

    /** The vertical strip of tools and canvas actions. */
    public ToolBar strip() { return strip; }

    /** The brush's size, hardness, opacity and colour. */
    public ToolBar brushBar() { return brushBar; }

    private void addTool(ToggleGroup group, ToolSettings tools, Tool tool, String icon, String tip, String key) {
        ToggleButton b = new ToggleButton();
        b.setId("tool-" + tool.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        b.setUserData(tool);
        b.setToggleGroup(group);
        Icons.decorate(b, icon, tip, key);
        if (tool.layer() == dev.emergence.app.canvas.LayerId.MASK) b.getStyleClass().add("mask-tool");
        toolButtons.put(tool, b);
        strip.getItems().add(b);
    }

    private static Button action(String id, String icon, String tip, String key, Runnable r) {
        Button b = new Button();
        b.setId(id);
        Icons.decorate(b, icon, tip, key);
        b.setOnAction(e -> r.run());
        return b;
    }

    private static Label label(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("tool-label");
        l.setAlignment(Pos.CENTER_RIGHT);
        l.setMinWidth(Region.USE_PREF_SIZE);
        return l;
    }

    private static Separator sep() {
        return new Separator(Orientation.HORIZONTAL);
    }

    static Color toColor(int rgb) {
        return Color.rgb((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
    }

    static int toRgb(Color c) {
        return (int) Math.round(c.getRed() * 255) << 16 | (int) Math.round(c.getGreen() * 255) << 8 | (int) Math.round(c.getBlue() * 255);
    }
}
