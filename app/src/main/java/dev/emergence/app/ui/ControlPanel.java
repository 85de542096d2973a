package dev.emergence.app.ui;

import dev.emergence.app.canvas.CanvasSnapshot;
import dev.emergence.app.control.ControlLayer;
import dev.emergence.app.control.ControlSource;
import dev.emergence.app.control.ControlStack;
import dev.emergence.app.engine.ModelSummary;
import dev.emergence.app.fx.FxImages;
import dev.emergence.app.fx.FxThread;
import dev.emergence.app.generation.LatestWins;
import dev.emergence.app.params.NumberRule;
import dev.emergence.engine.control.ControlUnit;
import dev.emergence.engine.control.PreprocessorKind;
import dev.emergence.engine.library.ControlNetEntry;
import javafx.animation.PauseTransition;
import javafx.beans.value.ObservableValue;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.image.ImageView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.util.Duration;

import java.awt.image.BufferedImage;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The ControlNets steering the next generation, one card each: the ControlNet, the picture's
 * source (paint layer, mask or an opened picture), the preprocessor, its weight and the part of
 * the schedule it acts in, with a live preview of the control picture the ControlNet will see.
 */
public final class ControlPanel extends VBox {
    private static final NumberRule WEIGHT = ControlLayer.WEIGHT, FRACTION = ControlLayer.FRACTION, THRESHOLD = ControlLayer.THRESHOLD;
    /** The preview's side on screen. */
    static final int PREVIEW_SIZE = 96;

    private final ControlStack stack;
    private final ObservableList<ControlNetEntry> nets;
    private final Supplier<CanvasSnapshot> canvas;
    private final Consumer<ControlLayer> onOpenPicture;
    private final VBox cards = new VBox(8);
    private final Map<ControlLayer, Card> shown = new IdentityHashMap<>();
    private final ExecutorService previews = FxThread.worker("control-previews");
    private int made;

    /**
     * @param model         the loaded model, to say when it takes no ControlNet
     * @param canvas        a snapshot of the canvas (FX thread), for the previews
     * @param canvasChanged fires when the canvas changes (a stroke, an undo)
     * @param onOpenPicture asks for a picture for a layer whose source is {@link ControlSource#PICTURE}
     * @param onOpenFolder  shows the controlnets folder
     * @param onRefresh     reads the library again
     */
    public ControlPanel(ControlStack stack, ObservableList<ControlNetEntry> nets, ObservableValue<ModelSummary> model,
                        Supplier<CanvasSnapshot> canvas,
                        ObservableValue<?> canvasChanged, Consumer<ControlLayer> onOpenPicture, Runnable onOpenFolder,
                        Runnable onRefresh) {
        this.stack = stack;
        this.nets = nets;
        this.canvas = canvas;
        this.onOpenPicture = onOpenPicture;
        setId("control-panel");
        setSpacing(6);
        Label empty = new Label("No ControlNets yet: put ControlNet folders (each with its model.onnx) in the library's controlnets folder");
        empty.setId("control-empty");
        empty.getStyleClass().add("field-note");
        empty.setWrapText(true);
        HBox.setHgrow(empty, Priority.ALWAYS);
        empty.visibleProperty().bind(javafx.beans.binding.Bindings.isEmpty(nets));
        empty.managedProperty().bind(empty.visibleProperty());
        // ControlNets need a UNet that takes their residuals: say so where the model has none.
        Label noUnet = new Label();
        noUnet.setId("control-no-unet");
        noUnet.getStyleClass().add("field-error");
        noUnet.setWrapText(true);
        noUnet.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(() -> {
            ModelSummary m = model.getValue();
            return m == null || m.takesControlNets() || stack.layers().isEmpty() ? ""
                    : m.name() + " takes no ControlNet: its folder has no controlnet/model.onnx (a UNet with residual inputs)";
        }, model, stack.layers()));
        noUnet.visibleProperty().bind(noUnet.textProperty().isNotEmpty());
        noUnet.managedProperty().bind(noUnet.visibleProperty());
        Button add = new Button("Add ControlNet");
        add.setId("control-add");
        Icons.decorate(add, "mdi2v-vector-polyline-edit", "Steer the composition with a ControlNet", null);
        add.setOnAction(e -> stack.add());
        add.disableProperty().bind(javafx.beans.binding.Bindings.size(stack.layers())
                .greaterThanOrEqualTo(dev.emergence.engine.pipeline.GenerationRequest.MAX_CONTROLS));
        Button open = new Button();
        open.setId("control-open-folder");
        Icons.decorate(open, "mdi2f-folder-open-outline", "Open the controlnets folder", null);
        open.setOnAction(e -> onOpenFolder.run());
        Button refresh = new Button();
        refresh.setId("control-refresh");
        Icons.decorate(refresh, "mdi2r-refresh", "Read the controlnets folder again", null);
        refresh.setOnAction(e -> onRefresh.run());
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox actions = new HBox(6, add, gap, open, refresh);
        actions.setAlignment(Pos.CENTER_LEFT);
        getChildren().addAll(noUnet, cards, empty, actions);
        stack.layers().addListener((ListChangeListener<ControlLayer>) c -> sync());
        canvasChanged.addListener((o, a, b) -> shown.values().forEach(Card::refreshSoon));
        sync();
    }

    /** The card of a layer, for tests and the session. */
    public Node cardOf(ControlLayer layer) {
        Card c = shown.get(layer);
        return c == null ? null : c.node;
    }

    private void sync() {
        shown.keySet().removeIf(l -> !stack.layers().contains(l));
        for (ControlLayer l : stack.layers()) shown.computeIfAbsent(l, Card::new);
        cards.getChildren().setAll(stack.layers().stream().map(l -> (Node) shown.get(l).node).toList());
        // Titled by position, as the request orders its ControlNets.
        for (int i = 0; i < stack.layers().size(); i++) shown.get(stack.layers().get(i)).on.setText("ControlNet " + (i + 1));
        shown.values().forEach(Card::refreshSoon);
    }

    /** What a preview is made from: a copy of the settings and the canvas. */
    private record PreviewJob(Card card, ControlLayer.Settings settings, CanvasSnapshot canvas) {
    }

    private final LatestWins<PreviewJob> previewQueue = new LatestWins<>(r -> previews.execute(r), this::makePreview);

    private void makePreview(PreviewJob job) {
        BufferedImage control;
        try {
            control = job.settings().controlPicture(job.canvas());
        } catch (RuntimeException e) {
            control = null;
        }
        javafx.scene.image.Image fx = control == null ? null : FxImages.toFx(FxImages.scaleToFit(control, PREVIEW_SIZE * 2));
        FxThread.FX.execute(() -> job.card().preview.setImage(fx));
    }

    private final class Card {
        final ControlLayer layer;
        final VBox node;
        final ImageView preview = new ImageView();
        final CheckBox on;
        final PauseTransition pause = new PauseTransition(Duration.millis(150));

        Card(ControlLayer layer) {
            this.layer = layer;
            int n = ++made;
            on = new CheckBox("ControlNet " + n);
            on.getStyleClass().add("control-on");
            on.selectedProperty().bindBidirectional(layer.enabledProperty());
            Button remove = new Button();
            remove.getStyleClass().add("control-remove");
            Icons.decorate(remove, "mdi2d-delete-outline", "Remove this ControlNet", null);
            remove.setOnAction(e -> stack.layers().remove(layer));
            Region gap = new Region();
            HBox.setHgrow(gap, Priority.ALWAYS);
            HBox title = new HBox(6, on, gap, remove);
            title.setAlignment(Pos.CENTER_LEFT);

            ComboBox<ControlNetEntry> model = new ComboBox<>(nets);
            model.getStyleClass().add("control-model");
            model.setPromptText("pick a ControlNet");
            model.setMaxWidth(Double.MAX_VALUE);
            model.setCellFactory(v -> netCell());
            model.setButtonCell(netCell());
            model.valueProperty().bindBidirectional(layer.modelProperty());
            // A new card takes the only ControlNet there is; a restored one keeps what it was given.
            if (layer.modelProperty().get() == null && nets.size() == 1 && !stack.restoring()) layer.modelProperty().set(nets.get(0));
            HBox.setHgrow(model, Priority.ALWAYS);

            ComboBox<ControlSource> source = new ComboBox<>(FXCollections.observableArrayList(ControlSource.values()));
            source.getStyleClass().add("control-source");
            source.setCellFactory(v -> sourceCell());
            source.setButtonCell(sourceCell());
            source.valueProperty().bindBidirectional(layer.sourceProperty());
            Button openPicture = new Button();
            openPicture.getStyleClass().add("control-open-picture");
            Icons.decorate(openPicture, "mdi2i-image-outline", "Open a picture for this ControlNet", null);
            openPicture.setOnAction(e -> onOpenPicture.accept(layer));
            Label pictureName = new Label();
            pictureName.getStyleClass().add("field-note");
            pictureName.textProperty().bind(layer.pictureNameProperty());
            for (Node x : List.of(openPicture, pictureName)) {
                x.visibleProperty().bind(layer.sourceProperty().isEqualTo(ControlSource.PICTURE));
                x.managedProperty().bind(x.visibleProperty());
            }
            source.valueProperty().addListener((o, a, b) -> {
                if (b == ControlSource.PICTURE && layer.pictureProperty().get() == null && !stack.restoring()) onOpenPicture.accept(layer);
            });

            ComboBox<PreprocessorKind> kind = new ComboBox<>(FXCollections.observableArrayList(PreprocessorKind.values()));
            kind.getStyleClass().add("control-preprocessor");
            kind.setCellFactory(v -> kindCell());
            kind.setButtonCell(kindCell());
            kind.valueProperty().bindBidirectional(layer.preprocessorProperty());

            SliderRow<Number> weight = new SliderRow<>("Weight", WEIGHT, layer.weightProperty(), d -> d, "control-" + n + "-weight");
            SliderRow<Number> start = new SliderRow<>("Start", FRACTION, layer.startProperty(), d -> d, "control-" + n + "-start");
            SliderRow<Number> end = new SliderRow<>("End", FRACTION, layer.endProperty(), d -> d, "control-" + n + "-end");
            Icons.tooltip(start.field(), "The part of the schedule before which it does not steer (0 = from the first step)");
            Icons.tooltip(end.field(), "The part of the schedule after which it no longer steers (1 = to the last step)");
            SliderRow<Number> low = new SliderRow<>("Low", THRESHOLD, layer.cannyLowProperty(), d -> d, "control-" + n + "-canny-low");
            SliderRow<Number> high = new SliderRow<>("High", THRESHOLD, layer.cannyHighProperty(), d -> d, "control-" + n + "-canny-high");
            VBox canny = new VBox(4, low, high);
            canny.visibleProperty().bind(layer.preprocessorProperty().isEqualTo(PreprocessorKind.CANNY));
            canny.managedProperty().bind(canny.visibleProperty());
            Label order = new Label();
            order.getStyleClass().add("field-error");
            order.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(
                    () -> layer.startProperty().get() < layer.endProperty().get() ? "" : "start must be below end",
                    layer.startProperty(), layer.endProperty()));
            order.visibleProperty().bind(order.textProperty().isNotEmpty());
            order.managedProperty().bind(order.visibleProperty());

            preview.getStyleClass().add("control-preview");
            preview.setFitWidth(PREVIEW_SIZE);
            preview.setFitHeight(PREVIEW_SIZE);
            preview.setPreserveRatio(true);
            javafx.scene.control.Tooltip.install(preview, new javafx.scene.control.Tooltip("The control picture the ControlNet will see"));
            VBox fields = new VBox(6, labelled("Model", model), labelled("Source", new HBox(6, source, openPicture)), pictureName,
                    labelled("Kind", kind));
            HBox.setHgrow(fields, Priority.ALWAYS);
            HBox top = new HBox(8, fields, preview);
            node = new VBox(6, title, top, canny, weight, start, end, order);
            node.getStyleClass().add("control-card");
            node.setId("control-card-" + n);
            node.setUserData(layer);
            pause.setOnFinished(e -> previewQueue.offer(new PreviewJob(this, layer.settings(), canvas.get())));
            layer.all().forEach(p -> p.addListener(o -> refreshSoon()));
        }

        /** A new preview once changes pause, so a stroke does not make one per mouse event. */
        void refreshSoon() {
            pause.playFromStart();
        }
    }

    private static HBox labelled(String text, Node field) {
        Label l = new Label(text);
        l.getStyleClass().add("field-label");
        l.setMinWidth(52);
        HBox h = new HBox(8, l, field);
        h.setAlignment(Pos.CENTER_LEFT);
        HBox.setHgrow(field, Priority.ALWAYS);
        return h;
    }

    private static ListCell<ControlNetEntry> netCell() {
        return new ListCell<>() {
            @Override
            protected void updateItem(ControlNetEntry item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : item.name());
            }
        };
    }

    private static ListCell<ControlSource> sourceCell() {
        return new ListCell<>() {
            @Override
            protected void updateItem(ControlSource item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : item.label());
            }
        };
    }

    private static ListCell<PreprocessorKind> kindCell() {
        return new ListCell<>() {
            @Override
            protected void updateItem(PreprocessorKind item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : switch (item) {
                    case NONE -> "none (the picture is the control)";
                    case SCRIBBLE -> "scribble";
                    case CANNY -> "Canny edges";
                    case TILE -> "tile / recolour (the picture itself)";
                });
            }
        };
    }
}
