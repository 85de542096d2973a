package dev.emergence.app.ui;

import dev.emergence.app.engine.ModelSummary;
import dev.emergence.app.engine.TokenCount;
import dev.emergence.app.generation.GenerationController;
import dev.emergence.app.generation.GenerationState;
import dev.emergence.app.library.ModelChoice;
import dev.emergence.app.params.NumberRule;
import dev.emergence.app.params.Parameters;
import dev.emergence.app.params.PreviewChoices;
import dev.emergence.app.params.SizePresets;
import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.PreviewKind;
import dev.emergence.engine.scheduler.ScheduleType;
import dev.emergence.engine.scheduler.SchedulerKind;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TextArea;
import javafx.scene.control.ToggleButton;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The left panel: model, prompt and negative prompt with token counters, the generation
 * parameters (each slider with its editable number), picture size, preview settings, and the
 * Generate / Cancel buttons.
 */
public final class PromptPanel extends VBox {
    private final TextArea prompt = new TextArea();
    private final TextArea negative = new TextArea();
    private final Label promptTokens = new Label();
    private final Label negativeTokens = new Label();
    private final ComboBox<ModelChoice> modelPicker = new ComboBox<>();
    private final Button openModels = new Button();
    private final ComboBox<SchedulerKind> scheduler = new ComboBox<>(FXCollections.observableArrayList(SchedulerKind.samplers()));
    private final ComboBox<ScheduleType> schedule = new ComboBox<>();
    private final ComboBox<SizePresets.Preset> size = new ComboBox<>();
    private final ComboBox<PreviewKind> previewKind = new ComboBox<>(FXCollections.observableArrayList(PreviewKind.values()));
    private final Button generate = new Button("Generate");
    private final Button cancel = new Button("Cancel");
    private final Label modeBadge = new Label();
    private final NumberField<Long> seedField;
    private final SliderRow<Number> strengthRow;
    private final SliderRow<Number> featherRow;
    private boolean updatingSize;
    private final CustomSizeRow customSize;
    private final VBox form;
    private final ReadOnlyObjectProperty<ModelSummary> gcModel;

    /**
     * @param onResize   (width, height): the artist picked a size preset
     * @param onModel    the artist picked a model
     */
    public PromptPanel(Parameters p, GenerationController gc, ObservableList<ModelChoice> models,
                       javafx.beans.value.ObservableObjectValue<GenerationMode> mode, ReadOnlyIntegerProperty canvasWidth,
                       ReadOnlyIntegerProperty canvasHeight, TokenCounter promptCounter, TokenCounter negativeCounter,
                       Runnable onGenerate, Runnable onOpenModels, Consumer<ModelChoice> onModel,
                       BiConsumer<Integer, Integer> onResize) {
        getStyleClass().add("prompt-panel");
        setId("prompt-panel");
        this.gcModel = gc.modelProperty();

        // Model.
        modelPicker.setId("model-picker");
        modelPicker.setItems(models);
        modelPicker.setMaxWidth(Double.MAX_VALUE);
        modelPicker.promptTextProperty().bind(Bindings.createStringBinding(() -> gc.loadingProperty().get().isEmpty()
                ? "no model: import one" : "loading " + gc.loadingProperty().get() + "…", gc.loadingProperty()));
        modelPicker.setCellFactory(v -> new ModelCell());
        HBox.setHgrow(modelPicker, Priority.ALWAYS);
        modelPicker.setOnAction(e -> {
            ModelChoice c = modelPicker.getValue();
            if (c != null && (gc.modelProperty().get() == null || !c.folder().equals(gc.modelProperty().get().folder()))) onModel.accept(c);
        });
        openModels.setId("open-models");
        Icons.decorate(openModels, "mdi2b-bookshelf", "Models: the library, import a folder, download", null);
        openModels.setOnAction(e -> onOpenModels.run());
        gc.modelProperty().addListener((o, a, m) -> syncModelSelection(m));
        models.addListener((javafx.collections.ListChangeListener<ModelChoice>) c -> syncModelSelection(gc.modelProperty().get()));
        HBox modelRow = new HBox(6, modelPicker, openModels);
        modelRow.setAlignment(Pos.CENTER_LEFT);

        // Prompts.
        prompt.setId("prompt");
        prompt.setPromptText("Describe the picture: subject, style, light…");
        prompt.setWrapText(true);
        prompt.setPrefRowCount(5);
        prompt.textProperty().bindBidirectional(p.promptProperty());
        negative.setId("negative");
        negative.setPromptText("What to avoid");
        negative.setWrapText(true);
        negative.setPrefRowCount(2);
        negative.textProperty().bindBidirectional(p.negativePromptProperty());
        promptTokens.setId("prompt-tokens");
        negativeTokens.setId("negative-tokens");
        bindTokens(promptTokens, promptCounter);
        bindTokens(negativeTokens, negativeCounter);

        // Numbers.
        SliderRow<Number> cfgRow = new SliderRow<>("CFG", Parameters.CFG, p.cfgProperty(), d -> d, "cfg");
        Icons.tooltip(cfgRow.field(), "Classifier-free guidance: how strongly the prompt steers (" + Parameters.CFG.expectation() + ")");
        SliderRow<Number> stepsRow = new SliderRow<>("Steps", Parameters.STEPS, p.stepsProperty(), d -> (int) Math.round(d), "steps");
        SliderRow<Number> clipSkipRow = new SliderRow<>("Clip skip", Parameters.CLIP_SKIP, p.clipSkipProperty(), d -> (int) Math.round(d), "clip-skip");
        // Where the model cannot honour it, a note says so as soon as it is set above 1 (the
        // engine names it as ignored too), and a value restored from a picture is still seen.
        Label clipSkipNote = new Label();
        clipSkipNote.setId("clip-skip-note");
        clipSkipNote.getStyleClass().add("field-note");
        clipSkipNote.setWrapText(true);
        clipSkipNote.textProperty().bind(Bindings.createStringBinding(() -> clipSkipNote(gc.modelProperty().get(), p.clipSkipProperty().get()),
                gc.modelProperty(), p.clipSkipProperty()));
        clipSkipNote.visibleProperty().bind(clipSkipNote.textProperty().isNotEmpty());
        clipSkipNote.managedProperty().bind(clipSkipNote.visibleProperty());
        clipSkipRow.getChildren().add(clipSkipNote);
        Icons.tooltip(clipSkipRow.field(), "AUTOMATIC1111's Clip skip: 1 conditions on the text layer the model was trained with, "
                + "2 on the one before it, and so on");
        strengthRow = new SliderRow<>("Strength", Parameters.STRENGTH, p.strengthProperty(), d -> d, "strength");
        Icons.tooltip(strengthRow.field(), "How much of the canvas is repainted: 0 keeps it, 1 starts from noise");
        featherRow = new SliderRow<>("Feather", Parameters.FEATHER, p.featherProperty(), d -> (int) Math.round(d), "feather");
        Icons.tooltip(featherRow.field(), "Softness of the mask's edge when blending, in pixels");

        // Seed.
        seedField = new NumberField<>(Parameters.SEED, p.seedProperty().asObject(), d -> (long) (double) d);
        seedField.setId("seed");
        seedField.setPrefColumnCount(10);
        HBox.setHgrow(seedField, Priority.ALWAYS);
        Button dice = new Button();
        dice.setId("dice");
        Icons.decorate(dice, "mdi2d-dice-5-outline", "New random seed", null);
        dice.setOnAction(e -> p.rollSeed());
        ToggleButton lock = new ToggleButton();
        lock.setId("seed-lock");
        lock.selectedProperty().bindBidirectional(p.seedLockedProperty());
        Icons.decorate(lock, "mdi2l-lock-open-variant-outline", "Lock the seed for every Generate. Open, a seed typed or rolled is used once, then each Generate rolls a new one", null);
        lock.selectedProperty().addListener((o, a, b) -> ((org.kordamp.ikonli.javafx.FontIcon) lock.getGraphic())
                .setIconLiteral(b ? "mdi2l-lock-outline" : "mdi2l-lock-open-variant-outline"));
        if (lock.isSelected()) ((org.kordamp.ikonli.javafx.FontIcon) lock.getGraphic()).setIconLiteral("mdi2l-lock-outline");
        Label seedLabel = fieldLabel("Seed");
        HBox seedRow = new HBox(8, seedLabel, seedField, dice, lock);
        seedRow.setAlignment(Pos.CENTER_LEFT);
        VBox seedBox = new VBox(2, seedRow, errorLabel(seedField));
        SliderRow<Number> batchRow = new SliderRow<>("Batch", Parameters.BATCH_COUNT, p.batchCountProperty(), d -> (int) Math.round(d), "batch-count");
        Icons.tooltip(batchRow.field(), "Pictures per Generate, with seeds s, s + 1, … (AUTOMATIC1111's batch count); Cancel stops the rest");

        // Scheduler and size.
        scheduler.setId("scheduler");
        scheduler.valueProperty().bindBidirectional(p.schedulerProperty());
        scheduler.setMaxWidth(Double.MAX_VALUE);
        scheduler.setCellFactory(l -> schedulerCell());
        scheduler.setButtonCell(schedulerCell());
        HBox.setHgrow(scheduler, Priority.ALWAYS);
        // AUTOMATIC1111's "Schedule type": only the types the sampler takes are offered.
        schedule.setId("schedule");
        schedule.setMaxWidth(Double.MAX_VALUE);
        schedule.setCellFactory(l -> scheduleCell());
        schedule.setButtonCell(scheduleCell());
        schedule.setTooltip(new javafx.scene.control.Tooltip("How the sampler spreads its noise levels over the steps"
                + " (AUTOMATIC1111's Schedule type); Automatic is what the model's scheduler config asks for"));
        scheduleChoices(p.schedulerProperty().get());
        p.schedulerProperty().addListener((o, a, k) -> scheduleChoices(k));
        schedule.valueProperty().bindBidirectional(p.scheduleProperty());
        HBox.setHgrow(schedule, Priority.ALWAYS);
        HBox schedRow = new HBox(8, fieldLabel("Sampler"), scheduler);
        schedRow.setAlignment(Pos.CENTER_LEFT);
        // Right under the sampler, which decides what it offers (side by side, both names would be cut short).
        HBox scheduleRow = new HBox(8, fieldLabel("Schedule"), schedule);
        scheduleRow.setAlignment(Pos.CENTER_LEFT);
        size.setId("size");
        size.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(size, Priority.ALWAYS);
        customSize = new CustomSizeRow(onResize);
        size.setOnAction(e -> {
            SizePresets.Preset s = size.getValue();
            if (updatingSize || s == null) return;
            if (s.custom()) {
                customSize.open(gc.modelProperty().get(), canvasWidth.get(), canvasHeight.get());
            } else {
                customSize.close();
                onResize.accept(s.width(), s.height());
            }
        });
        gc.modelProperty().addListener((o, a, m) -> presets(m, canvasWidth.get(), canvasHeight.get()));
        canvasWidth.addListener((o, a, b) -> presets(gc.modelProperty().get(), canvasWidth.get(), canvasHeight.get()));
        canvasHeight.addListener((o, a, b) -> presets(gc.modelProperty().get(), canvasWidth.get(), canvasHeight.get()));
        presets(gc.modelProperty().get(), canvasWidth.get(), canvasHeight.get());
        HBox sizeRow = new HBox(8, fieldLabel("Size"), size);
        sizeRow.setAlignment(Pos.CENTER_LEFT);
        VBox sizeBox = new VBox(4, sizeRow, customSize);

        // Preview.
        previewKind.setId("preview-kind");
        previewKind.valueProperty().bindBidirectional(gc.previewKindProperty());
        gc.modelProperty().addListener((o, a, m) -> previewChoices(gc, m));
        previewChoices(gc, gc.modelProperty().get());
        previewKind.setCellFactory(l -> previewCell());
        previewKind.setButtonCell(previewCell());
        previewKind.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(previewKind, Priority.ALWAYS);
        NumberField<Number> stride = new NumberField<>(NumberRule.whole("preview stride", 1, 50), gc.previewStrideProperty(), d -> (int) Math.round(d));
        stride.setId("preview-stride");
        stride.setPrefColumnCount(2);
        Icons.tooltip(stride, "Decode a live preview every N steps");
        Label every = new Label("every");
        every.setMinWidth(Region.USE_PREF_SIZE);
        HBox previewRow = new HBox(8, fieldLabel("Preview"), previewKind, every, stride);
        previewRow.setAlignment(Pos.CENTER_LEFT);
        VBox previewBox = new VBox(2, previewRow, errorLabel(stride));

        // Mode: strength for img2img and inpainting, feather for inpainting.
        modeBadge.setId("mode");
        modeBadge.getStyleClass().add("mode-badge");
        modeBadge.textProperty().bind(Bindings.createStringBinding(() -> switch (mode.get()) {
            case TXT2IMG -> "TEXT → IMAGE";
            case IMG2IMG -> "IMAGE → IMAGE";
            case INPAINT -> "INPAINTING";
        }, mode));
        Icons.tooltip(modeBadge, "The mode the next run will use. It follows the canvas: empty, text to image; painted, image to image; "
                + "with a mask, inpainting");
        strengthRow.disableProperty().bind(Bindings.createBooleanBinding(() -> mode.get() == GenerationMode.TXT2IMG, mode));
        featherRow.visibleProperty().bind(Bindings.createBooleanBinding(() -> mode.get() == GenerationMode.INPAINT, mode));
        featherRow.managedProperty().bind(featherRow.visibleProperty());

        // Generate / Cancel.
        generate.setId("generate");
        generate.getStyleClass().add("accent");
        generate.setDefaultButton(false);
        generate.setMaxWidth(Double.MAX_VALUE);
        Icons.decorate(generate, "mdi2c-creation", "Generate", "Ctrl+Enter");
        generate.setOnAction(e -> onGenerate.run());
        generate.disableProperty().bind(Bindings.createBooleanBinding(() -> gc.state() != GenerationState.READY, gc.stateProperty()));
        HBox.setHgrow(generate, Priority.ALWAYS);
        cancel.setId("cancel");
        Icons.decorate(cancel, "mdi2s-stop-circle-outline", "Cancel", "Esc");
        cancel.setOnAction(e -> gc.cancel());
        cancel.disableProperty().bind(Bindings.createBooleanBinding(() -> gc.state() != GenerationState.RUNNING, gc.stateProperty()));
        HBox buttons = new HBox(8, generate, cancel);

        form = new VBox(10,
                section("MODEL"), modelRow,
                sectionWithBadge("PROMPT", modeBadge), prompt, promptTokens,
                section("NEGATIVE PROMPT"), negative, negativeTokens,
                section("PARAMETERS"), cfgRow, stepsRow, clipSkipRow, seedBox, batchRow, schedRow, scheduleRow, strengthRow, featherRow,
                section("PICTURE"), sizeBox, previewBox);
        form.getStyleClass().add("form");
        ScrollPane scroll = new ScrollPane(form);
        scroll.setFitToWidth(true);
        scroll.setHbarPolicy(ScrollPane.ScrollBarPolicy.NEVER);
        scroll.getStyleClass().add("form-scroll");
        VBox.setVgrow(scroll, Priority.ALWAYS);
        // Tabbing to a field below the fold scrolls it into view.
        sceneProperty().addListener((o, a, scene) -> {
            if (scene != null) scene.focusOwnerProperty().addListener((fo, was, now) -> reveal(scroll, form, now));
        });
        buttons.getStyleClass().add("generate-bar");
        getChildren().addAll(scroll, buttons);
    }

    /** What the loaded model makes of a Clip skip, when it cannot honour it; "" when it can (or it is 1). */
    static String clipSkipNote(ModelSummary m, int clipSkip) {
        if (m == null || clipSkip <= 1 || clipSkip <= m.clipSkipLimit()) return "";
        if (m.clipSkipLimit() <= 1) {
            return m.name() + " ignores Clip skip: its text encoder gives only its last layer (SDXL exports give every layer)";
        }
        return m.name() + " takes Clip skip 1 to " + m.clipSkipLimit() + ": its text encoders have no earlier layer";
    }

    /**
     * Puts the LoRA panel below the parameters and the picture settings: the extras come after what
     * every run needs, so those stay in view.
     */
    public void setLoraPanel(LoraPanel panel) {
        form.getChildren().addAll(List.of(section("LORA"), panel));
    }

    /** Puts the generation frame's settings under the picture settings (call before the LoRA panel is set). */
    public void setFramePanel(javafx.scene.Node panel) {
        form.getChildren().addAll(List.of(section("GENERATION FRAME"), panel));
    }

    /** Puts the ControlNet panel last, under the LoRA panel. */
    public void setControlPanel(ControlPanel panel) {
        form.getChildren().addAll(List.of(section("CONTROLNET"), panel));
    }

    /** Picks a model in the picker, as the artist would (it is loaded unless it already is). */
    public void selectModel(ModelChoice c) {
        modelPicker.getItems().stream().filter(m -> m.folder().equals(c.folder())).findFirst().ifPresent(modelPicker::setValue);
    }

    /** A model in the picker's list: its name, and what it is in small letters. */
    private static final class ModelCell extends ListCell<ModelChoice> {
        @Override
        protected void updateItem(ModelChoice c, boolean empty) {
            super.updateItem(c, empty);
            setText(null);
            if (empty || c == null) {
                setGraphic(null);
                return;
            }
            Label name = new Label(c.toString());
            Label kind = new Label(c.summary());
            kind.getStyleClass().add("token-count");
            Region gap = new Region();
            HBox.setHgrow(gap, Priority.ALWAYS);
            HBox row = new HBox(8, name, gap, kind);
            row.setAlignment(Pos.CENTER_LEFT);
            setGraphic(row);
        }
    }

    /** Shows the loaded model in the picker again (after a failed load). */
    public void refreshModelSelection() {
        syncModelSelection(null);
    }

    /** The picker shows the model that is loaded (after a failed load, the one still in use). */
    private void syncModelSelection(ModelSummary loaded) {
        ModelSummary m = loaded != null ? loaded : gcModel.get();
        if (m == null) return;
        modelPicker.getItems().stream().filter(c -> c.folder().equals(m.folder())).findFirst().ifPresent(c -> {
            if (c != modelPicker.getValue()) modelPicker.setValue(c);
        });
    }

    private void presets(ModelSummary m, int w, int h) {
        updatingSize = true;
        try {
            int nativeSize = m == null ? Math.max(w, h) : m.nativeSize();
            int multiple = m == null ? 8 : m.sizeMultiple();
            size.getItems().setAll(m == null ? SizePresets.forModel(nativeSize, multiple)
                    : SizePresets.forFamily(m.family(), nativeSize, multiple));
            size.getItems().add(SizePresets.Preset.CUSTOM);
            Optional<SizePresets.Preset> match = size.getItems().stream().filter(p -> p.width() == w && p.height() == h).findFirst();
            if (match.isPresent()) {
                size.setValue(match.get());
            } else {
                size.setValue(null);
                size.setPromptText("custom  " + w + "×" + h);
            }
        } finally {
            updatingSize = false;
        }
    }

    /** Offers the decoders the model has; a choice it lacks (the tiny decoder) becomes latent colours. */
    private void previewChoices(GenerationController gc, ModelSummary m) {
        boolean tiny = m == null || m.hasPreviewDecoder();
        PreviewKind chosen = gc.previewKindProperty().get() == null ? PreviewKind.LATENT_RGB
                : PreviewChoices.choose(gc.previewKindProperty().get(), tiny);
        previewKind.getItems().setAll(PreviewChoices.forModel(tiny));
        // Replacing the items may clear the value (and, through the binding, the controller's): set it again.
        gc.previewKindProperty().set(chosen);
        previewKind.setValue(chosen);
        Icons.tooltip(previewKind, tiny ? "How live previews are decoded: fast latent colours, the model's tiny decoder, or the full VAE"
                : "How live previews are decoded: fast latent colours or the full VAE (this model has no tiny decoder)");
    }

    /** Scrolls the form so that {@code node}, if it is in the form, is fully visible. */
    private static void reveal(ScrollPane scroll, VBox form, javafx.scene.Node node) {
        if (node == null) return;
        for (javafx.scene.Node n = node; n != null; n = n.getParent()) {
            if (n == form) {
                javafx.geometry.Bounds b = form.sceneToLocal(node.localToScene(node.getBoundsInLocal()));
                double viewH = scroll.getViewportBounds().getHeight(), contentH = form.getHeight();
                if (contentH <= viewH) return;
                double top = scroll.getVvalue() * (contentH - viewH);
                if (b.getMinY() < top) scroll.setVvalue(Math.max(0, b.getMinY() - 8) / (contentH - viewH));
                else if (b.getMaxY() > top + viewH) scroll.setVvalue(Math.min(contentH - viewH, b.getMaxY() + 8 - viewH) / (contentH - viewH));
                return;
            }
        }
    }

    private static void bindTokens(Label label, TokenCounter counter) {
        label.getStyleClass().add("token-count");
        label.textProperty().bind(Bindings.createStringBinding(() -> counter.countProperty().get()
                .map(t -> t.label() + (t.unknownWords().isEmpty() ? "" : " · unknown: " + String.join(", ", t.unknownWords())))
                .orElse(""), counter.countProperty()));
        counter.countProperty().addListener((o, a, b) -> {
            boolean over = b.map(t -> t.windows() > 1 || t.problem() != null).orElse(false);
            if (over && !label.getStyleClass().contains("over")) label.getStyleClass().add("over");
            if (!over) label.getStyleClass().remove("over");
        });
    }

    private static Label section(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("section");
        return l;
    }

    private static HBox sectionWithBadge(String text, Label badge) {
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox h = new HBox(section(text), gap, badge);
        h.setAlignment(Pos.CENTER_LEFT);
        return h;
    }

    private static Label fieldLabel(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("field-label");
        l.setMinWidth(64);
        return l;
    }

    private static Label errorLabel(NumberField<?> f) {
        Label error = new Label();
        error.getStyleClass().add("field-error");
        error.setWrapText(true);
        error.textProperty().bind(f.errorProperty());
        error.visibleProperty().bind(f.errorProperty().isNotEmpty());
        error.managedProperty().bind(error.visibleProperty());
        return error;
    }

    /** The schedule types the sampler takes; a sampler with only Automatic leaves the picker disabled. */
    private void scheduleChoices(SchedulerKind kind) {
        List<ScheduleType> types = kind == null ? List.of(ScheduleType.AUTOMATIC) : ScheduleType.forKind(kind);
        if (!schedule.getItems().equals(types)) schedule.getItems().setAll(types);
        schedule.setDisable(types.size() == 1);
    }

    private static ListCell<ScheduleType> scheduleCell() {
        return new ListCell<>() {
            @Override
            protected void updateItem(ScheduleType t, boolean empty) {
                super.updateItem(t, empty);
                setText(empty || t == null ? null : t.label());
            }
        };
    }

    private static ListCell<SchedulerKind> schedulerCell() {
        return new ListCell<>() {
            @Override
            protected void updateItem(SchedulerKind k, boolean empty) {
                super.updateItem(k, empty);
                setText(empty || k == null ? null : k.a1111Name());
            }
        };
    }

    private static ListCell<PreviewKind> previewCell() {
        return new ListCell<>() {
            @Override
            protected void updateItem(PreviewKind k, boolean empty) {
                super.updateItem(k, empty);
                setText(empty || k == null ? null : switch (k) {
                    case LATENT_RGB -> "Fast (latent colours)";
                    case TINY_DECODER -> "Tiny decoder";
                    case FULL_VAE -> "Full VAE";
                });
            }
        };
    }

    public TextArea promptArea() { return prompt; }

    public Button generateButton() { return generate; }

    public Button cancelButton() { return cancel; }

    public NumberField<Long> seedField() { return seedField; }
}
