package dev.emergence.app.studio;

import dev.emergence.app.engine.EngineAdapter;
import dev.emergence.app.engine.StudioEngine;
import dev.emergence.app.generation.GenerationState;
import dev.emergence.engine.runtime.ExecutionOptions;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CancelAndResponsivenessTest extends StudioTest {
    private PacedEngine paced;

    @Override
    StudioEngine engine() {
        paced = new PacedEngine(new EngineAdapter(ExecutionOptions.cpu()), 25);
        return paced;
    }

    @Test
    void escapeCancelsWithinAStepAndTheStudioStaysUsable() throws Exception {
        waitForModel();
        clickOn("#prompt").write("a long one");
        typeInto("#steps", "150");
        pressGenerate();
        waitUntil("a few steps", () -> studio.generation().recordedStepsProperty().get() >= 3);
        clickOn("#preview");
        type(KeyCode.ESCAPE);
        int stepsAtCancel = paced.stepsRun.get();
        waitForIdle();
        int stepsRun = paced.stepsRun.get();
        // The engine checks the cancel switch before each model call: at most the step under way finishes.
        assertTrue(stepsRun <= stepsAtCancel + 1, "steps after Esc: " + (stepsRun - stepsAtCancel));
        assertTrue(stepsRun < 150);
        assertEquals(GenerationState.READY, onFx(() -> studio.generation().state()));
        assertTrue(onFx(() -> studio.generation().statusProperty().get()).startsWith("Cancelled after"));
        assertEquals(0, onFx(() -> studio.gallery().size()), "a cancelled generation leaves no result");
        try (Stream<java.nio.file.Path> s = Files.list(home)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().equals("outputs")) || isEmpty(home.resolve("outputs")));
        }
        // The steps made before the cancel stay scrubbable.
        assertEquals(stepsRun, (int) onFx(() -> studio.generation().timeline().size()));

        // Usable: the next generation runs to the end.
        typeInto("#steps", "4");
        pressGenerate();
        waitUntil("the next result", () -> studio.gallery().size() == 1);
    }

    @Test
    void theFxThreadIsNeverBusyForMoreThan50MsDuringAGeneration() throws Exception {
        waitForModel();
        clickOn("#prompt").write("a watched pot");
        typeInto("#steps", "60");
        fx(() -> studio.generation().previewKindProperty().set(dev.emergence.engine.pipeline.PreviewKind.FULL_VAE));
        FxWatchdog watchdog;
        try (FxWatchdog w = new FxWatchdog(4)) {
            watchdog = w;
            pressGenerate();
            waitUntil("half the steps", () -> studio.generation().recordedStepsProperty().get() >= 30);
            // Scrubbing while it runs: decoding happens off the FX thread too.
            for (int s = 1; s <= 25; s += 3) {
                int step = s;
                fx(() -> studio.scrubber().slider().setValue(step));
                Thread.sleep(15);
            }
            waitUntil("the result", 30, () -> studio.gallery().size() == 1);
            waitForIdle();
        }
        assertTrue(watchdog.samples() > 30, "watchdog samples: " + watchdog.samples());
        System.out.printf("FX thread during a generation: at most %.1f ms busy, pings waited at most %.1f ms (%d pings)%n",
                watchdog.maxBusyMillis(), watchdog.maxDelayMillis(), watchdog.samples());
        assertTrue(watchdog.maxBusyMillis() < 50, "the FX thread was busy for " + watchdog.maxBusyMillis() + " ms, in:"
                + watchdog.busiestStacks());
    }

    private static boolean isEmpty(java.nio.file.Path dir) throws java.io.IOException {
        try (Stream<java.nio.file.Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
