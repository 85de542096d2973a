package dev.emergence.app.ui;

import dev.emergence.app.engine.EngineErrors;
import dev.emergence.app.engine.ModelSummary;
import dev.emergence.app.library.LibraryModel;
import dev.emergence.app.library.ModelChoice;
import dev.emergence.app.library.ModelDescriptions;
import dev.emergence.engine.library.ModelEntry;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.RadioButton;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleGroup;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import javafx.stage.Window;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The Models window: the embedded model and every model of the library with the engine's summary
 * (family, inpainting or not, precision, size) or the reason it cannot be used; Import folder
 * (copy or link), Remove (after asking; not the embedded model, nor the one in use), Use (picks it
 * in the model picker) and Download. Every library call goes through {@link LibraryModel}, off the
 * JavaFX thread; what went wrong is shown as one line in the window.
 */
public final class ModelsDialog {
    private final LibraryModel library;
    private final FileDialogs dialogs;
    private final ReadOnlyObjectProperty<ModelSummary> loaded;
    private final Consumer<ModelChoice> use;
    private final Runnable download;
    private final String stylesheet;

    private Stage stage;
    private final ListView<ModelEntry> list = new ListView<>();
    private final Label message = new Label();
    private final VBox importPane = new VBox(8);
    private final Label importFolderLabel = new Label();
    private final TextField importName = new TextField();
    private final RadioButton importCopy = new RadioButton("Copy into the library");
    private final RadioButton importLink = new RadioButton("Link: use the folder where it is (it must stay there)");
    private Path importFolder;
    private final VBox removePane = new VBox(8);
    private final Label removeQuestion = new Label();
    private String removing;

    /**
     * @param loaded   the model the studio has loaded (it cannot be removed)
     * @param use      picks a model in the model picker
     * @param download opens the download dialog
     */
    public ModelsDialog(LibraryModel library, FileDialogs dialogs, ReadOnlyObjectProperty<ModelSummary> loaded,
                        Consumer<ModelChoice> use, Runnable download, String stylesheet) {
        this.library = library;
        this.dialogs = dialogs;
        this.loaded = loaded;
        this.use = use;
        this.download = download;
        this.stylesheet = stylesheet;
    }

    /** Shows the window (made on first use) and reads the library again. */
    public void show(Window owner) {
        if (stage == null) build(owner);
        library.refresh().exceptionally(err -> {
            error(EngineErrors.message(err));
            return null;
        });
        stage.show();
        stage.toFront();
    }

    public Optional<Stage> stage() {
        return Optional.ofNullable(stage);
    }

    private void build(Window owner) {
        stage = new Stage();
        stage.initOwner(owner);
        stage.setTitle("Models");

        Label title = new Label("Models");
        title.getStyleClass().add("dialog-title");
        Label where = new Label();
        where.setId("models-root");
        where.getStyleClass().add("dialog-subtitle");
        where.textProperty().bind(Bindings.createStringBinding(
                () -> library.rootProperty().get() == null ? "" : "Library: " + library.rootProperty().get(), library.rootProperty()));
        VBox top = new VBox(2, title, where);

        Button importButton = button("models-import", "mdi2f-folder-plus-outline", "Import folder…",
                "Add a diffusers ONNX model folder to the library", this::chooseFolder);
        Button downloadButton = button("models-download", "mdi2c-cloud-download-outline", "Download…",
                "Download a model from the Hugging Face hub", download);
        Button useButton = button("models-use", "mdi2c-check-circle-outline", "Use", "Pick this model in the model picker", this::useSelected);
        Button removeButton = button("models-remove", "mdi2d-delete-outline", "Remove…", "Remove this model from the library", this::askRemove);
        useButton.getStyleClass().add("accent-small");
        importButton.disableProperty().bind(library.busyProperty());
        useButton.disableProperty().bind(Bindings.createBooleanBinding(() -> selected() == null || !selected().usable(),
                list.getSelectionModel().selectedItemProperty()));
        removeButton.disableProperty().bind(Bindings.createBooleanBinding(() -> library.busyProperty().get() || selected() == null
                || selected().source() == ModelEntry.Source.EMBEDDED, list.getSelectionModel().selectedItemProperty(), library.busyProperty()));
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox actions = new HBox(8, importButton, downloadButton, gap, useButton, removeButton);
        actions.setAlignment(Pos.CENTER_LEFT);

        list.setId("models-list");
        list.setItems(library.entries());
        list.setCellFactory(v -> new EntryCell());
        list.setPlaceholder(new Label("No models yet: import a folder or download one"));
        list.setOnMouseClicked(e -> {
            if (e.getButton() == MouseButton.PRIMARY && e.getClickCount() == 2) useSelected();
        });
        list.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ENTER) useSelected();
        });
        loaded.addListener((o, a, b) -> list.refresh());
        VBox.setVgrow(list, Priority.ALWAYS);

        buildImportPane();
        buildRemovePane();

        ProgressIndicator busy = new ProgressIndicator();
        busy.setId("models-busy");
        busy.setPrefSize(16, 16);
        busy.visibleProperty().bind(library.busyProperty());
        busy.managedProperty().bind(busy.visibleProperty());
        Label activity = new Label();
        activity.getStyleClass().add("dialog-muted");
        activity.textProperty().bind(library.activityProperty());
        message.setId("models-message");
        message.getStyleClass().add("dialog-message");
        message.setWrapText(true);
        message.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(message, Priority.ALWAYS);
        Button close = new Button("Close");
        close.setId("models-close");
        close.setCancelButton(true);
        close.setOnAction(e -> stage.hide());
        HBox status = new HBox(8, busy, activity, message, close);
        status.setAlignment(Pos.CENTER_LEFT);

        VBox center = new VBox(10, actions, list, importPane, removePane);
        BorderPane root = new BorderPane(center, top, null, status, null);
        BorderPane.setMargin(center, new Insets(10, 0, 10, 0));
        root.setId("models-view");
        root.getStyleClass().add("dialog");
        Scene scene = new Scene(root, 760, 520);
        scene.getStylesheets().add(stylesheet);
        stage.setScene(scene);
    }

    private void buildImportPane() {
        importPane.setId("import-pane");
        importPane.getStyleClass().add("dialog-pane");
        importFolderLabel.setId("import-folder");
        importFolderLabel.getStyleClass().add("dialog-strong");
        importName.setId("import-name");
        importName.setPromptText("a name for the library");
        ToggleGroup how = new ToggleGroup();
        importCopy.setToggleGroup(how);
        importLink.setToggleGroup(how);
        importCopy.setId("import-copy");
        importLink.setId("import-link");
        importCopy.setSelected(true);
        GridPane form = new GridPane();
        form.setHgap(10);
        form.setVgap(6);
        form.addRow(0, fieldLabel("Name"), importName);
        form.addRow(1, fieldLabel("How"), new HBox(14, importCopy, importLink));
        GridPane.setHgrow(importName, Priority.ALWAYS);
        Button confirm = new Button("Import");
        confirm.setId("import-confirm");
        confirm.getStyleClass().add("accent-small");
        confirm.setDefaultButton(true);
        confirm.disableProperty().bind(library.busyProperty());
        confirm.setOnAction(e -> runImport());
        Button cancel = new Button("Cancel");
        cancel.setId("import-cancel");
        cancel.setOnAction(e -> hide(importPane));
        HBox buttons = new HBox(8, confirm, cancel);
        importPane.getChildren().addAll(importFolderLabel, form, buttons);
        hide(importPane);
    }

    private void buildRemovePane() {
        removePane.setId("remove-pane");
        removePane.getStyleClass().addAll("dialog-pane", "danger-pane");
        removeQuestion.setId("remove-question");
        removeQuestion.setWrapText(true);
        Button confirm = new Button("Remove");
        confirm.setId("remove-confirm");
        confirm.getStyleClass().add("danger");
        confirm.disableProperty().bind(library.busyProperty());
        confirm.setOnAction(e -> runRemove());
        Button keep = new Button("Keep it");
        keep.setId("remove-cancel");
        keep.setOnAction(e -> hide(removePane));
        removePane.getChildren().addAll(removeQuestion, new HBox(8, confirm, keep));
        hide(removePane);
    }

    // ---- actions

    private ModelEntry selected() {
        return list.getSelectionModel().getSelectedItem();
    }

    private void useSelected() {
        ModelEntry e = selected();
        if (e == null) return;
        if (!e.usable()) {
            error("'" + e.name() + "' cannot be used: " + e.problem());
            return;
        }
        library.choices().stream().filter(c -> c.name().equals(e.name())).findFirst().ifPresent(c -> {
            use.accept(c);
            info("using '" + c.name() + "'");
        });
    }

    private void chooseFolder() {
        hide(removePane);
        Optional<Path> chosen = dialogs.modelFolder(stage);
        if (chosen.isEmpty()) return;
        Path folder = chosen.get().toAbsolutePath().normalize();
        importFolder = folder;
        importFolderLabel.setText("Import " + folder);
        importName.setText("");
        importCopy.setSelected(true);
        show(importPane);
        library.suggestName(folder).thenAccept(name -> {
            if (folder.equals(importFolder) && importName.getText().isEmpty()) importName.setText(name);
        });
    }

    private void runImport() {
        Path folder = importFolder;
        if (folder == null) return;
        String name = importName.getText().strip();
        boolean link = importLink.isSelected();
        info((link ? "linking " : "copying ") + folder.getFileName() + "…");
        library.importFolder(folder, name, link).whenComplete((entry, err) -> {
            if (err != null) {
                // The pane stays open with what was typed, so a bad name or folder is fixed in place.
                error(EngineErrors.message(err));
                return;
            }
            hide(importPane);
            importFolder = null;
            select(entry.name());
            info("added '" + entry.name() + "' (" + ModelDescriptions.kind(entry) + ")");
        });
    }

    private void askRemove() {
        ModelEntry e = selected();
        if (e == null) return;
        if (e.source() == ModelEntry.Source.EMBEDDED) {
            error("the embedded model is part of the studio and cannot be removed");
            return;
        }
        if (inUse(e)) {
            error("'" + e.name() + "' is in use: pick another model first");
            return;
        }
        hide(importPane);
        removing = e.name();
        removeQuestion.setText(e.source() == ModelEntry.Source.LINKED
                ? "Remove '" + e.name() + "'? Only the link is removed; the folder " + e.folder().getFileName() + " stays where it is."
                : "Remove '" + e.name() + "'? Its files are deleted from the library.");
        show(removePane);
    }

    private void runRemove() {
        String name = removing;
        if (name == null) return;
        if (library.entries().stream().anyMatch(e -> e.name().equals(name) && inUse(e))) {
            hide(removePane);
            error("'" + name + "' is in use: pick another model first");
            return;
        }
        library.remove(name).whenComplete((v, err) -> {
            hide(removePane);
            removing = null;
            if (err != null) error(EngineErrors.message(err));
            else info("removed '" + name + "'");
        });
    }

    private boolean inUse(ModelEntry e) {
        ModelSummary m = loaded.get();
        return m != null && m.folder().equals(e.folder().toAbsolutePath().normalize());
    }

    private void select(String name) {
        library.entries().stream().filter(e -> e.name().equals(name)).findFirst().ifPresent(e -> {
            list.getSelectionModel().select(e);
            list.scrollTo(e);
        });
    }

    // ---- pieces

    private void info(String line) {
        message.getStyleClass().remove("error");
        message.setText(line);
    }

    private void error(String line) {
        if (!message.getStyleClass().contains("error")) message.getStyleClass().add("error");
        message.setText(line);
    }

    private static void show(Region pane) {
        pane.setVisible(true);
        pane.setManaged(true);
    }

    private static void hide(Region pane) {
        pane.setVisible(false);
        pane.setManaged(false);
    }

    private static Label fieldLabel(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("field-label");
        return l;
    }

    private static Button button(String id, String icon, String text, String tip, Runnable action) {
        Button b = new Button(text);
        b.setId(id);
        Icons.decorate(b, icon, tip, null);
        b.setOnAction(e -> action.run());
        return b;
    }

    /** One model: its name and tags, the engine's summary (or what is wrong), and where its files are. */
    private final class EntryCell extends ListCell<ModelEntry> {
        EntryCell() {
            // Long summaries wrap within the list's width instead of widening it.
            setPrefWidth(0);
        }

        @Override
        protected void updateItem(ModelEntry e, boolean empty) {
            super.updateItem(e, empty);
            setText(null);
            if (empty || e == null) {
                setGraphic(null);
                setId(null);
                return;
            }
            setId("model-" + e.name());
            Label name = new Label(e.name());
            name.getStyleClass().add("model-name");
            HBox head = new HBox(6, name);
            head.setAlignment(Pos.CENTER_LEFT);
            if (e.source() != ModelEntry.Source.COPIED) head.getChildren().add(tag(e.source() == ModelEntry.Source.EMBEDDED ? "embedded" : "linked"));
            if (inUse(e)) head.getChildren().add(tag("in use"));
            Label summary = new Label(ModelDescriptions.summary(e));
            summary.getStyleClass().add(e.usable() ? "model-summary" : "model-problem");
            summary.setWrapText(true);
            Label folder = new Label(ModelDescriptions.source(e) + " · " + e.folder());
            folder.getStyleClass().add("model-folder");
            VBox text = new VBox(2, head, summary, folder);
            HBox.setHgrow(text, Priority.ALWAYS);
            text.setMinWidth(0);
            HBox row = new HBox(10, Icons.icon(e.usable() ? "mdi2c-cube-outline" : "mdi2a-alert-circle-outline"), text);
            row.setAlignment(Pos.CENTER_LEFT);
            if (!e.usable()) row.getStyleClass().add("broken");
            setGraphic(row);
        }

        private Label tag(String text) {
            Label t = new Label(text);
            t.getStyleClass().add("model-tag");
            return t;
        }
    }
}
