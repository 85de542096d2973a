package dev.emergence.app.ui;

import dev.emergence.app.engine.EngineErrors;
import dev.emergence.app.library.DownloadJob;
import dev.emergence.app.library.LibraryModel;
import dev.emergence.app.library.ModelChoice;
import dev.emergence.engine.library.Bytes;
import dev.emergence.engine.library.Catalogue;
import dev.emergence.engine.library.ModelEntry;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import javafx.stage.Window;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * The download dialog: the catalogue's known-good starting models (title, what each is good for,
 * licence, size) or any hub repository and revision typed in; a progress bar with bytes done of
 * the total, speed, time left and the file being fetched; Cancel, which leaves nothing behind. The
 * download itself runs in {@link DownloadJob}, off the JavaFX thread.
 */
public final class DownloadDialog {
    private final DownloadJob job;
    private final LibraryModel library;
    private final Consumer<ModelChoice> use;
    private final String stylesheet;

    private static final String ANY_REPOSITORY = "A repository id such as owner/name holding a diffusers ONNX export "
            + "(model_index.json, text_encoder/, unet/, vae_decoder/ with model.onnx files). Some keep it on another "
            + "revision, such as 'onnx'. The name is what the library and the picker call it.";

    private Stage stage;
    private final ListView<Catalogue.Entry> catalogue = new ListView<>();
    private final TextField repo = new TextField();
    private final TextField revision = new TextField();
    private final TextField name = new TextField();
    private final Label details = new Label();

    /** @param use picks a model in the model picker (the "Use it" button after a download) */
    public DownloadDialog(DownloadJob job, LibraryModel library, Consumer<ModelChoice> use, String stylesheet) {
        this.job = job;
        this.library = library;
        this.use = use;
        this.stylesheet = stylesheet;
    }

    public void show(Window owner) {
        if (stage == null) build(owner);
        stage.show();
        stage.toFront();
    }

    public Optional<Stage> stage() {
        return Optional.ofNullable(stage);
    }

    private void build(Window owner) {
        stage = new Stage();
        stage.initOwner(owner);
        stage.setTitle("Download a model");
        // Closing the window is cancelling: a download nobody watches is not left running.
        stage.setOnHidden(e -> job.cancel());

        Label title = new Label("Download a model");
        title.getStyleClass().add("dialog-title");
        Label subtitle = new Label("Diffusers ONNX models from the Hugging Face hub: only the files the engine needs, "
                + "each checked against the hub's sha-256, opened by the engine before it joins the library.");
        subtitle.getStyleClass().add("dialog-subtitle");
        subtitle.setWrapText(true);
        VBox top = new VBox(2, title, subtitle);

        BooleanBinding running = Bindings.createBooleanBinding(() -> job.stateProperty().get().active(), job.stateProperty());

        catalogue.setId("catalogue");
        catalogue.setCellFactory(v -> new EntryCell());
        catalogue.setPlaceholder(new Label("reading the catalogue…"));
        // The list stays readable during a download; only the form it fills is locked.
        catalogue.getSelectionModel().selectedItemProperty().addListener((o, a, e) -> {
            if (running.get()) return;
            if (e != null) pick(e);
            else details.setText(ANY_REPOSITORY);
        });

        job.catalogue().whenComplete((entries, err) -> {
            if (err != null) catalogue.setPlaceholder(new Label("no catalogue: " + EngineErrors.message(err)));
            else catalogue.getItems().setAll(entries);
        });
        Label known = new Label("KNOWN-GOOD STARTING MODELS");
        known.getStyleClass().add("section");
        VBox left = new VBox(6, known, catalogue);
        VBox.setVgrow(catalogue, Priority.ALWAYS);
        // The list's cells wrap to its width, so it is given one rather than asked for one.
        left.setMinWidth(380);
        left.setPrefWidth(440);

        repo.setId("download-repo");
        repo.setPromptText("owner/name");
        revision.setId("download-revision");
        revision.setPromptText("main");
        name.setId("download-name");
        name.setPromptText("after the repository");
        for (TextField f : new TextField[] {repo, revision, name}) f.disableProperty().bind(running);
        repo.textProperty().addListener((o, a, b) -> {
            Catalogue.Entry e = catalogue.getSelectionModel().getSelectedItem();
            if (e != null && !e.repo().equals(b)) catalogue.getSelectionModel().clearSelection();
        });
        GridPane form = new GridPane();
        form.setHgap(10);
        form.setVgap(8);
        form.addRow(0, fieldLabel("Repository"), repo);
        form.addRow(1, fieldLabel("Revision"), revision);
        form.addRow(2, fieldLabel("Name"), name);
        GridPane.setHgrow(repo, Priority.ALWAYS);
        details.setId("catalogue-details");
        details.setText(ANY_REPOSITORY);
        details.getStyleClass().add("dialog-muted");
        details.setWrapText(true);
        Label or = new Label("OR ANY REPOSITORY");
        or.getStyleClass().add("section");
        VBox right = new VBox(8, or, form, details);
        HBox.setHgrow(right, Priority.ALWAYS);
        right.setMinWidth(260);
        right.setPrefWidth(300);
        HBox center = new HBox(16, left, right);

        Label stageLine = bound("download-stage", "dialog-strong", job.stageProperty());
        ProgressBar bar = new ProgressBar(0);
        bar.setId("download-progress");
        bar.setMaxWidth(Double.MAX_VALUE);
        bar.progressProperty().bind(job.progressProperty());
        Label bytes = bound("download-bytes", "progress-text", job.bytesProperty());
        Label file = bound("download-file", "progress-text", job.fileProperty());
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox numbers = new HBox(8, bytes, gap, file);
        Label message = bound("download-message", "dialog-message", job.messageProperty());
        message.setWrapText(true);
        job.stateProperty().addListener((o, a, s) -> {
            message.getStyleClass().remove("error");
            if (s == DownloadJob.State.FAILED) message.getStyleClass().add("error");
        });
        VBox progress = new VBox(6, stageLine, bar, numbers, message);
        progress.getStyleClass().add("dialog-pane");

        Button start = new Button("Download");
        start.setId("download-start");
        start.getStyleClass().add("accent-small");
        start.setDefaultButton(true);
        Icons.decorate(start, "mdi2c-cloud-download-outline", "Download into the library", null);
        start.disableProperty().bind(running.or(repo.textProperty().isEmpty()));
        start.setOnAction(e -> job.start(repo.getText(), revision.getText(), name.getText()));
        Button cancel = new Button("Cancel");
        cancel.setId("download-cancel");
        cancel.disableProperty().bind(job.stateProperty().isNotEqualTo(DownloadJob.State.RUNNING));
        cancel.setOnAction(e -> job.cancel());
        Button useIt = new Button("Use it");
        useIt.setId("download-use");
        useIt.visibleProperty().bind(job.stateProperty().isEqualTo(DownloadJob.State.DONE).and(job.addedProperty().isNotNull()));
        useIt.managedProperty().bind(useIt.visibleProperty());
        useIt.setOnAction(e -> {
            ModelEntry added = job.addedProperty().get();
            library.choices().stream().filter(c -> c.name().equals(added.name())).findFirst().ifPresent(use);
        });
        Region gap2 = new Region();
        HBox.setHgrow(gap2, Priority.ALWAYS);
        Button close = new Button("Close");
        close.setId("download-close");
        close.setOnAction(e -> stage.hide());
        HBox buttons = new HBox(8, start, cancel, useIt, gap2, close);
        buttons.setAlignment(Pos.CENTER_LEFT);

        VBox bottom = new VBox(10, progress, buttons);
        BorderPane root = new BorderPane(center, top, null, bottom, null);
        BorderPane.setMargin(center, new Insets(12, 0, 12, 0));
        root.setId("download-dialog");
        root.getStyleClass().add("dialog");
        Scene scene = new Scene(root, 860, 600);
        scene.getStylesheets().add(stylesheet);
        stage.setScene(scene);
    }

    /** A catalogue entry fills in the form; the name is its short id. */
    private void pick(Catalogue.Entry e) {
        repo.setText(e.repo());
        revision.setText(e.revision());
        name.setText(e.id());
        details.setText(e.title() + ": " + e.family() + (e.inpainting() ? ", inpainting" : "") + ", " + e.precision()
                + ", about " + Bytes.human(e.approxBytes()) + ", licence " + e.licence() + "."
                + (e.notes() == null || e.notes().isBlank() ? "" : " " + e.notes())
                + (e.verifiedHere() ? "" : " Not yet downloaded and opened by the project itself."));
    }

    private static Label bound(String id, String style, javafx.beans.value.ObservableStringValue text) {
        Label l = new Label();
        l.setId(id);
        l.getStyleClass().add(style);
        l.textProperty().bind(text);
        return l;
    }

    private static Label fieldLabel(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("field-label");
        return l;
    }

    /** A catalogue entry: title, what it is good for, and family, precision, size and licence. */
    private static final class EntryCell extends ListCell<Catalogue.Entry> {
        EntryCell() {
            setPrefWidth(0);
        }

        @Override
        protected void updateItem(Catalogue.Entry e, boolean empty) {
            super.updateItem(e, empty);
            setText(null);
            if (empty || e == null) {
                setGraphic(null);
                setId(null);
                return;
            }
            setId("catalogue-" + e.id());
            Label title = new Label(e.title());
            title.getStyleClass().add("model-name");
            Label good = new Label(e.goodFor());
            good.getStyleClass().add("model-summary");
            good.setWrapText(true);
            Label facts = new Label(e.family() + (e.inpainting() ? " · inpainting" : "") + " · " + e.precision()
                    + " · about " + Bytes.human(e.approxBytes()) + " · " + e.licence());
            facts.getStyleClass().add("model-folder");
            setGraphic(new VBox(2, title, good, facts));
        }
    }
}
