package dev.emergence.app.studio;

import dev.emergence.app.Studio;
import dev.emergence.app.StudioConfig;
import dev.emergence.app.StudioPaths;
import dev.emergence.app.engine.EngineAdapter;
import dev.emergence.app.engine.StudioEngine;
import dev.emergence.app.generation.GenerationState;
import dev.emergence.engine.library.FreeSpace;
import dev.emergence.engine.library.HubClient;
import dev.emergence.engine.library.ModelDownloader;
import dev.emergence.engine.library.ModelLibrary;
import dev.emergence.engine.runtime.ExecutionOptions;
import javafx.application.Platform;
import javafx.geometry.Point2D;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Files;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real studio in a real window for each test, on the engine's tiny test model, with its own
 * data folder. Subclasses drive it like an artist through the robot.
 */
abstract class StudioTest extends FxRobot {
    static {
        Headless.setup();
    }

    /** The engine's tiny txt2img model (random weights, 64×64, with a preview decoder). */
    static final Path TINY_SD = Path.of("..", "engine", "testmodels", "tiny-sd").toAbsolutePath().normalize();
    /** Its 9-channel inpainting sibling. */
    static final Path TINY_SD_INPAINT = Path.of("..", "engine", "testmodels", "tiny-sd-inpaint").toAbsolutePath().normalize();

    @TempDir
    Path home;
    Studio studio;
    Stage stage;
    final ScriptedDialogs dialogs = new ScriptedDialogs();
    final List<String> openedUris = new CopyOnWriteArrayList<>();

    /** The engine the studio gets; tests that need slower steps wrap it. */
    StudioEngine engine() {
        return new EngineAdapter(ExecutionOptions.cpu());
    }

    /** Opens a folder "in the file manager": recorded, and said to have worked unless a test says otherwise. */
    boolean openUri(String uri) {
        return openedUris.add(uri);
    }

    /** The embedded model of the studio's library. */
    Optional<Path> defaultModel() {
        return Optional.of(TINY_SD);
    }

    /** The studio's model library: in its data folder, with {@link #defaultModel} as the embedded model. */
    ModelLibrary library(Path dataFolder) {
        return new ModelLibrary(dataFolder.resolve("models"), this::defaultModel, freeSpace());
    }

    FreeSpace freeSpace() {
        return FreeSpace.system();
    }

    /** Where downloads come from: nowhere (a closed port) unless a test serves a {@link FakeHub}. */
    URI hub() {
        return URI.create("http://127.0.0.1:9");
    }

    /** Downloads without waits between retries, and patient with a transfer a test holds. */
    ModelDownloader downloader(ModelLibrary library) {
        return new ModelDownloader(new HubClient(hub(), null), library, 2, Duration.ZERO, Duration.ofSeconds(60));
    }

    @BeforeEach
    void openStudio() throws Exception {
        assumeTrue(Files.isRegularFile(TINY_SD.resolve("model_index.json")), "the engine's test model is missing at " + TINY_SD);
        stage = FxToolkit.registerPrimaryStage();
        openStudioOn(home);
    }

    /** Opens a studio on a data folder (again, to test what a restart restores). */
    void openStudioOn(Path dataFolder) {
        fx(() -> {
            studio = new Studio(new StudioConfig(new StudioPaths(dataFolder), this::engine, () -> library(dataFolder), this::downloader,
                    dialogs, this::openUri, true));
            studio.show(stage);
        });
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** Closes the studio as the window's close button does (the session is saved). */
    void closeStudio() {
        if (studio == null) return;
        fx(() -> {
            studio.close();
            stage.hide();
            stage.setScene(null);
        });
        studio = null;
    }

    @AfterEach
    void closeStudioAfterTest() {
        closeStudio();
    }

    /** Waits (up to 20 s) until the condition, checked on the FX thread, holds. */
    void waitUntil(String what, Callable<Boolean> condition) {
        waitUntil(what, 20, condition);
    }

    void waitUntil(String what, int seconds, Callable<Boolean> condition) {
        try {
            WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, () -> onFx(condition));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("timed out after " + seconds + " s waiting for: " + what
                    + " (status: " + onFx(() -> studio.generation().statusProperty().get())
                    + ", notifications: " + onFx(() -> List.copyOf(studio.notifier().messages())) + ")");
        }
    }

    /** The window at the README's screenshot size, 1280x800 (the largest the headless screen holds), at the screen's corner. */
    void screenshotWindow() {
        fx(() -> {
            stage.setX(0);
            stage.setY(0);
            stage.setWidth(1280);
            stage.setHeight(800);
        });
    }

    void waitForModel() {
        waitUntil("the model to load", () -> studio.generation().state() == GenerationState.READY);
    }

    void waitForIdle() {
        waitUntil("the generation to end", () -> !studio.generation().state().busy());
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** Types into a field as an artist does: click, select all, type, Enter (tabbing to it first if it is scrolled away). */
    void typeInto(String query, String text) {
        fx(() -> lookup(query).query().requestFocus());
        WaitForAsyncUtils.waitForFxEvents();
        clickOn(query);
        push(KeyCode.CONTROL, KeyCode.A);
        write(text);
        type(KeyCode.ENTER);
    }

    /** Opens the Models window with the button beside the model picker. */
    void openModelsView() {
        if (onFx(() -> studio.modelsDialog().map(Stage::isShowing).orElse(false))) {
            fx(() -> studio.modelsDialog().orElseThrow().toFront());
        } else {
            clickOn("#open-models");
        }
        waitUntil("the Models window", () -> studio.modelsDialog().map(Stage::isShowing).orElse(false)
                && !studio.library().busyProperty().get());
    }

    /** Imports a model folder through the Models window, as an artist does, and waits until the library lists it. */
    void importThroughModelsView(Path folder, String name, boolean link) {
        openModelsView();
        dialogs.folderAnswers.add(folder);
        clickOn("#models-import");
        waitUntil("the suggested name", () -> !((TextField) lookup("#import-name").query()).getText().isEmpty());
        if (link) clickOn("#import-link");
        clickOn("#import-name");
        push(KeyCode.CONTROL, KeyCode.A);
        write(name);
        clickOn("#import-confirm");
        waitUntil("'" + name + "' in the library", () -> studio.library().entries().stream().anyMatch(e -> e.name().equals(name)));
    }

    /** Picks a model in the Models window and presses Use; waits until it is loaded. */
    void useThroughModelsView(String name) {
        clickOn("#model-" + name);
        clickOn("#models-use");
        Path folder = onFx(() -> studio.library().choices().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow().folder());
        waitUntil("'" + name + "' loaded", () -> studio.generation().state() == GenerationState.READY
                && studio.generation().modelProperty().get().folder().equals(folder));
    }

    /** Where a canvas pixel is on the screen. */
    Point2D onScreen(double canvasX, double canvasY) {
        return onFx(() -> {
            var view = studio.canvasView();
            return view.localToScreen(view.toView(canvasX, canvasY));
        });
    }

    /** A stroke with the current tool through canvas points (x0, y0, x1, y1, ...), as a mouse drag. */
    void strokeOnCanvas(double... xy) {
        moveTo(onScreen(xy[0], xy[1]));
        press(MouseButton.PRIMARY);
        for (int i = 2; i < xy.length; i += 2) moveTo(onScreen(xy[i], xy[i + 1]));
        release(MouseButton.PRIMARY);
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** Ctrl+Enter: generate. */
    /** Clicks a node of the prompt panel once it is in view: focused first, which scrolls the panel to it as tabbing does. */
    FxRobotShim clickShown(javafx.scene.Node n) {
        fx(n::requestFocus);
        WaitForAsyncUtils.waitForFxEvents();
        clickOn(n);
        return new FxRobotShim();
    }

    FxRobotShim clickShown(String query) {
        return clickShown(lookup(query).query());
    }

    /** What follows a click in a test: typing into what was clicked. */
    final class FxRobotShim {
        void write(String text) {
            StudioTest.this.write(text);
        }
    }

    void pressGenerate() {
        push(KeyCode.CONTROL, KeyCode.ENTER);
    }

    /** Runs on the FX thread and returns the value. */
    static <T> T onFx(Callable<T> c) {
        if (Platform.isFxApplicationThread()) {
            try {
                return c.call();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }
        FutureTask<T> t = new FutureTask<>(c);
        Platform.runLater(t);
        try {
            return t.get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    static void fx(Runnable r) {
        onFx(() -> {
            r.run();
            return null;
        });
    }
}
