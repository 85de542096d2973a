package dev.emergence.app.ui;

import dev.emergence.app.params.LoraTags;
import dev.emergence.app.params.NumberRule;
import dev.emergence.engine.library.LoraEntry;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The LoRAs of the library's loras folder, each with a check box and a weight. The prompt is the
 * one record of what is applied: checking a LoRA adds {@code <lora:NAME:weight>} to it, as
 * AUTOMATIC1111's cards do, and a tag typed or restored in the prompt checks its row. A tag
 * naming a file that is not in the folder gets a row of its own that says so.
 */
public final class LoraPanel extends VBox {
    public static final NumberRule WEIGHT = NumberRule.stepped("LoRA weight", -4, 4, 0.05);

    private final StringProperty prompt;
    private final ObservableList<LoraEntry> available;
    private final VBox rows = new VBox(4);
    private final Label empty = new Label("No LoRAs yet: put .safetensors files in the library's loras folder");
    private final Map<String, Row> shown = new LinkedHashMap<>();
    /** Set while the panel itself rewrites the prompt or its rows, so neither echoes the other. */
    private boolean syncing;

    /**
     * @param onOpenFolder shows the loras folder in the desktop's file manager
     * @param onRefresh    reads the folder again
     */
    public LoraPanel(StringProperty prompt, ObservableList<LoraEntry> available, Runnable onOpenFolder, Runnable onRefresh) {
        this.prompt = prompt;
        this.available = available;
        setId("lora-panel");
        setSpacing(6);
        empty.setId("lora-empty");
        empty.getStyleClass().add("field-note");
        empty.setWrapText(true);
        Button open = new Button();
        open.setId("lora-open-folder");
        Icons.decorate(open, "mdi2f-folder-open-outline", "Open the loras folder", null);
        open.setOnAction(e -> onOpenFolder.run());
        Button refresh = new Button();
        refresh.setId("lora-refresh");
        Icons.decorate(refresh, "mdi2r-refresh", "Read the loras folder again", null);
        refresh.setOnAction(e -> onRefresh.run());
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox actions = new HBox(6, empty, gap, open, refresh);
        actions.setAlignment(Pos.CENTER_LEFT);
        HBox.setHgrow(empty, Priority.ALWAYS);
        getChildren().addAll(rows, actions);
        available.addListener((ListChangeListener<LoraEntry>) c -> rebuild());
        prompt.addListener((o, a, b) -> {
            if (!syncing) rebuild();
        });
        rebuild();
    }

    /** One LoRA: its check box, weight field and, for a tag without a file, a note. */
    private final class Row {
        final String name;
        final boolean missing;
        final CheckBox check;
        final SimpleObjectProperty<Double> weight = new SimpleObjectProperty<>(1.0);
        final HBox node;

        Row(String name, boolean missing) {
            this.name = name;
            this.missing = missing;
            check = new CheckBox(name);
            check.getStyleClass().add("lora-check");
            check.setUserData(name);
            check.setMaxWidth(Double.MAX_VALUE);
            HBox.setHgrow(check, Priority.ALWAYS);
            NumberField<Double> field = new NumberField<>(WEIGHT, weight, d -> d);
            field.getStyleClass().add("lora-weight");
            field.setUserData(name);
            field.setPrefColumnCount(4);
            Icons.tooltip(field, "How strongly " + name + " applies (" + WEIGHT.expectation() + ")");
            node = new HBox(8, check, field);
            node.setAlignment(Pos.CENTER_LEFT);
            node.getStyleClass().add("lora-row");
            if (missing) {
                Label note = new Label("not in the loras folder");
                note.getStyleClass().add("field-error");
                node.getChildren().add(1, note);
            }
            check.selectedProperty().addListener((o, a, on) -> {
                if (!syncing) write(on ? LoraTags.with(prompt.get(), name, weight.get()) : LoraTags.without(prompt.get(), name));
            });
            weight.addListener((o, a, w) -> {
                if (!syncing && check.isSelected() && w != null) write(LoraTags.with(prompt.get(), name, w));
            });
        }
    }

    private void write(String newPrompt) {
        syncing = true;
        try {
            prompt.set(newPrompt);
        } finally {
            syncing = false;
        }
        rebuild();
    }

    /** Rows for the folder's LoRAs and the prompt's other tags, each showing what the prompt says. */
    private void rebuild() {
        List<LoraTags.Tag> tags = LoraTags.parse(prompt.get());
        Map<String, Boolean> wanted = new LinkedHashMap<>();
        for (LoraEntry f : available) wanted.put(f.name(), false);
        for (LoraTags.Tag t : tags) wanted.putIfAbsent(t.name(), true);
        if (!wanted.equals(missingFlags())) {
            shown.clear();
            List<javafx.scene.Node> nodes = new ArrayList<>();
            wanted.forEach((name, missing) -> {
                Row r = new Row(name, missing);
                shown.put(name, r);
                nodes.add(r.node);
            });
            rows.getChildren().setAll(nodes);
        }
        syncing = true;
        try {
            for (Row r : shown.values()) {
                LoraTags.Tag tag = tags.stream().filter(t -> t.name().equals(r.name)).findFirst().orElse(null);
                r.check.setSelected(tag != null);
                if (tag != null) r.weight.set(tag.weight());
            }
        } finally {
            syncing = false;
        }
        empty.setVisible(available.isEmpty());
        empty.setManaged(available.isEmpty());
    }

    private Map<String, Boolean> missingFlags() {
        Map<String, Boolean> m = new LinkedHashMap<>();
        for (Row r : shown.values()) m.put(r.name, r.missing);
        return m;
    }
}
