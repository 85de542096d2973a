package dev.emergence.app.studio;

import dev.emergence.app.engine.EngineAdapter;
import dev.emergence.app.engine.StudioEngine;
import dev.emergence.app.gallery.GalleryEntry;
import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.runtime.ExecutionOptions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** AUTOMATIC1111's batch count: one Generate makes N pictures with seeds s, s + 1, …; Cancel stops the rest. */
class BatchCountTest extends StudioTest {
    private PacedEngine paced;

    @Override
    StudioEngine engine() {
        paced = new PacedEngine(new EngineAdapter(ExecutionOptions.cpu()), 0);
        return paced;
    }

    @Test
    void oneGenerateMakesThePicturesOfTheNextSeeds() throws Exception {
        waitForModel();
        fx(() -> {
            studio.parameters().promptProperty().set("a cat");
            studio.parameters().stepsProperty().set(2);
            studio.parameters().seedProperty().set(100);
            studio.parameters().seedLockedProperty().set(true);
        });
        typeInto("#batch-count", "3");
        pressGenerate();
        waitUntil("three pictures", 60, () -> studio.gallery().size() == 3);
        waitForIdle();
        List<Long> seeds = new java.util.ArrayList<>();
        for (GalleryEntry e : onFx(() -> List.copyOf(studio.gallery()))) seeds.add(GenerationPng.readRequest(e.file()).seed());
        assertEquals(List.of(102L, 101L, 100L), seeds, "newest first");
        assertEquals(100L, onFx(() -> studio.parameters().seedProperty().get()), "the field keeps the batch's first seed");

        // Cancel during the second picture: the batch ends there.
        // Held at the second step of the second picture: every picture runs as many steps as each of the first three.
        int perPicture = paced.stepsRun.get() / 3;
        paced.holdAfterSteps = paced.stepsRun.get() + perPicture + 1;
        typeInto("#batch-count", "4");
        pressGenerate();
        waitUntil("the first of four", 60, () -> studio.gallery().size() == 4);
        waitUntil("the second held", () -> paced.stepsRun.get() >= paced.holdAfterSteps && studio.generation().state().busy());
        push(javafx.scene.input.KeyCode.ESCAPE);
        paced.release.countDown();
        waitForIdle();
        Thread.sleep(500);
        waitForIdle();
        assertEquals(4, onFx(() -> studio.gallery().size()), "no picture after the cancelled one");
    }
}
