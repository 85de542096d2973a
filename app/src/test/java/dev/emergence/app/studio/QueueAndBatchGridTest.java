package dev.emergence.app.studio;

import dev.emergence.app.engine.EngineAdapter;
import dev.emergence.app.engine.StudioEngine;
import dev.emergence.engine.runtime.ExecutionOptions;
import javafx.scene.control.ListView;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A batch as a grid to pick from, and Generate while busy queuing jobs that can each be taken out. */
class QueueAndBatchGridTest extends StudioTest {
    private PacedEngine paced;

    @Override
    StudioEngine engine() {
        paced = new PacedEngine(new EngineAdapter(ExecutionOptions.cpu()), 0);
        return paced;
    }

    @Test
    void aBatchIsAGridAndAClickedPictureLandsAsALayer() {
        waitForModel();
        fx(() -> {
            studio.parameters().promptProperty().set("a cat");
            studio.parameters().stepsProperty().set(2);
            studio.parameters().seedProperty().set(40);
            studio.parameters().seedLockedProperty().set(true);
        });
        typeInto("#batch-count", "3");
        pressGenerate();
        waitUntil("three pictures in the grid", 60, () -> studio.frames().picks().size() == 3);
        waitForIdle();
        assertEquals(1, (int) onFx(() -> studio.canvas().layers().size()), "a batch's pictures wait in the grid");
        assertTrue(onFx(() -> lookup("#batch-grid").query().isVisible()));
        clickOn("#batch-pick-1");
        assertEquals(2, (int) onFx(() -> studio.canvas().layers().size()));
        assertEquals("a cat · 41", onFx(() -> studio.canvas().activeLayer().name()), "the second picture, seed s + 1");
        fx(() -> studio.canvas().undo());
        assertEquals(1, (int) onFx(() -> studio.canvas().layers().size()));
        clickOn("#batch-close");
        assertTrue(onFx(() -> studio.frames().picks().isEmpty()));
    }

    @Test
    void generateWhileBusyQueuesAndAQueuedJobCanBeTakenOut() {
        waitForModel();
        fx(() -> {
            studio.parameters().promptProperty().set("a dog");
            studio.parameters().stepsProperty().set(3);
        });
        paced.holdAfterSteps = 1; // the first picture waits after its first step
        pressGenerate();
        waitUntil("the first picture held", () -> paced.stepsRun.get() >= 1 && studio.generation().state().busy());
        pressGenerate();
        pressGenerate();
        waitUntil("two waiting", () -> studio.queue().waiting().size() == 2);
        assertTrue(onFx(() -> lookup("#queue").query().isVisible()));
        @SuppressWarnings("unchecked")
        ListView<?> list = lookup("#queue-list").queryAs(ListView.class);
        assertEquals(2, (int) onFx(() -> list.getItems().size()));
        waitUntil("its rows (list " + onFx(() -> list.getHeight() + "x" + list.getWidth() + ", in scene " + (list.getScene() != null)
                + ", queue " + lookup("#queue").query().getLayoutBounds()) + ")", () -> lookup(".queue-remove").queryAll().size() == 2);
        clickOn(lookup(".queue-remove").nth(1).queryButton());
        assertEquals(1, (int) onFx(() -> studio.queue().waiting().size()), "the second waiting job taken out");
        paced.holdAfterSteps = Integer.MAX_VALUE;
        paced.release.countDown();
        waitUntil("both pictures made", 60, () -> studio.gallery().size() == 2 && !studio.generation().state().busy()
                && studio.queue().waiting().isEmpty());
        assertEquals(3, (int) onFx(() -> studio.canvas().layers().size()), "each landed as a layer");
        assertTrue(onFx(() -> !lookup("#queue").query().isVisible()), "the queue hides when empty");
    }
}
