package dev.emergence.app.ui;

import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Window;

import java.io.File;
import java.nio.file.Path;
import java.util.Optional;

/** The file dialogs the studio opens; tests substitute their own answers. */
public interface FileDialogs {
    Optional<Path> openImage(Window owner);

    Optional<Path> savePng(Window owner, String suggestedName);

    Optional<Path> modelFolder(Window owner);

    /** Where to save the document as a project file. */
    Optional<Path> saveProject(Window owner, String suggestedName);

    /** The platform's own dialogs. */
    static FileDialogs native_() {
        return new FileDialogs() {
            private File lastFolder;

            @Override
            public Optional<Path> openImage(Window owner) {
                FileChooser c = new FileChooser();
                c.setTitle("Open image");
                c.getExtensionFilters().add(new FileChooser.ExtensionFilter("Projects and images", "*.emproj", "*.png", "*.jpg", "*.jpeg", "*.bmp", "*.gif"));
                if (lastFolder != null) c.setInitialDirectory(lastFolder);
                return remember(c.showOpenDialog(owner));
            }

            @Override
            public Optional<Path> savePng(Window owner, String suggestedName) {
                FileChooser c = new FileChooser();
                c.setTitle("Save picture with its parameters");
                c.setInitialFileName(suggestedName);
                c.getExtensionFilters().add(new FileChooser.ExtensionFilter("PNG", "*.png"));
                if (lastFolder != null) c.setInitialDirectory(lastFolder);
                return remember(c.showSaveDialog(owner));
            }

            @Override
            public Optional<Path> saveProject(Window owner, String suggestedName) {
                FileChooser c = new FileChooser();
                c.setTitle("Save project");
                c.setInitialFileName(suggestedName);
                c.getExtensionFilters().add(new FileChooser.ExtensionFilter("Emergence project", "*.emproj"));
                if (lastFolder != null) c.setInitialDirectory(lastFolder);
                return remember(c.showSaveDialog(owner));
            }

            @Override
            public Optional<Path> modelFolder(Window owner) {
                DirectoryChooser c = new DirectoryChooser();
                c.setTitle("Import a model folder (diffusers ONNX layout)");
                File f = c.showDialog(owner);
                return Optional.ofNullable(f).map(File::toPath);
            }

            private Optional<Path> remember(File f) {
                if (f != null) lastFolder = f.getParentFile();
                return Optional.ofNullable(f).map(File::toPath);
            }
        };
    }
}
