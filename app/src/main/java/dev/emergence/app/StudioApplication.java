package dev.emergence.app;

import dev.emergence.app.ui.FolderOpener;
import javafx.application.Application;
import javafx.stage.Stage;

/** The JavaFX application: builds the {@link Studio} on the primary stage and closes it on exit. */
public final class StudioApplication extends Application {
    private Studio studio;

    static void launchStudio() {
        Application.launch(StudioApplication.class);
    }

    @Override
    public void start(Stage stage) {
        studio = new Studio(StudioConfig.fromSystem(FolderOpener.desktop(getHostServices()::showDocument)));
        studio.show(stage);
    }

    @Override
    public void stop() {
        if (studio != null) studio.close();
    }
}
