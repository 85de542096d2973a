package dev.emergence.app.studio;

import dev.emergence.app.engine.EngineAdapter;
import dev.emergence.app.engine.StudioEngine;
import dev.emergence.engine.runtime.ExecutionOptions;
import javafx.scene.control.Label;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a new user sees while the studio starts. */
class StartupTest extends StudioTest {
    private PacedEngine engine;

    @Override
    StudioEngine engine() {
        engine = new PacedEngine(new EngineAdapter(ExecutionOptions.cpu()), 0);
        // The embedded model takes its time to load: held until the test has looked.
        engine.loadGate = new CountDownLatch(1);
        return engine;
    }

    @Test
    void whileTheModelLoadsTheStudioSaysSoInsteadOfNoModel() {
        try {
            waitUntil("the load started", () -> !studio.generation().loadingProperty().get().isEmpty()
                    && !studio.generation().loadingProperty().get().equals("the model library"));
            assertEquals("loading tiny-sd…", onFx(() -> lookup("#status-model").queryAs(Label.class).getText()));
            assertEquals("loading tiny-sd…", onFx(() -> lookup("#model-picker").queryAs(javafx.scene.control.ComboBox.class).getPromptText()));
            assertTrue(onFx(() -> studio.notifier().messages().stream().noneMatch(m -> m.contains("no model"))),
                    onFx(() -> studio.notifier().messages().toString()));
        } finally {
            engine.loadGate.countDown();
        }
        waitForModel();
        assertTrue(onFx(() -> lookup("#status-model").queryAs(Label.class).getText()).startsWith("tiny-sd"));
    }
}
