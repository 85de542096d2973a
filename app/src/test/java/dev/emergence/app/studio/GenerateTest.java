package dev.emergence.app.studio;

import dev.emergence.app.generation.Finished;
import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.text.ClipTokenizer;
import javafx.scene.control.Label;
import javafx.scene.image.Image;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerateTest extends StudioTest {
    private static final String PROMPT = "a red circle on a blue background";

    @Test
    void typeAPromptAndGenerate() throws Exception {
        waitForModel();
        // The result must already be on disk when the studio shows it.
        List<Boolean> fileExistedWhenShown = new CopyOnWriteArrayList<>();
        fx(() -> studio.generation().lastResultProperty().addListener((o, a, f) ->
                fileExistedWhenShown.add(f.file() != null && Files.isRegularFile(f.file()))));

        // Every step text the progress panel is given, from the first to the last.
        List<String> stepTexts = new CopyOnWriteArrayList<>();
        fx(() -> studio.generation().stepLabelProperty().addListener((o, a, b) -> stepTexts.add(b)));

        clickOn("#prompt").write(PROMPT);
        typeInto("#steps", "12");
        // PLMS (the tiny model's own PNDM), whose warm-up runs one evaluation more than the steps asked for.
        fx(() -> studio.parameters().schedulerProperty().set(SchedulerKind.PNDM));
        long seed = onFx(() -> studio.parameters().seedProperty().get());
        pressGenerate();
        waitUntil("a result in the history", () -> studio.gallery().size() == 1);
        waitForIdle();

        Finished f = onFx(() -> studio.generation().lastResultProperty().get());
        assertEquals(List.of(true), fileExistedWhenShown);
        // The file in the output folder holds exactly what was asked for.
        Path out;
        try (Stream<Path> s = Files.list(home.resolve("outputs"))) {
            out = s.filter(p -> p.toString().endsWith(".png")).findFirst().orElseThrow();
        }
        assertEquals(f.file(), out);
        GenerationRequest saved = GenerationPng.readRequest(out);
        assertEquals(PROMPT, saved.prompt());
        assertEquals(12, saved.steps());
        assertEquals(GenerationMode.TXT2IMG, f.result().mode());
        long usedSeed = onFx(() -> studio.parameters().seedProperty().get());
        assertEquals(usedSeed, saved.seed(), "the seed field shows the seed of the picture");
        assertEquals(seed, usedSeed, "the seed the field showed before Generate is the seed used");
        // The picture is on display, at the model's native size (64×64 for the tiny model).
        Image shown = onFx(() -> studio.preview().shownImageProperty().get());
        assertSame(f.image(), shown);
        assertEquals(64, shown.getWidth());
        assertEquals(64, shown.getHeight());
        // The scrubber covers every step the engine ran: PNDM, like diffusers', runs one more step than
        // asked for (its first PLMS step needs a warm-up), and the progress text says so as the command line does.
        int ran = f.result().timings().stepNanos().length;
        assertEquals(13, ran, "steps run");
        assertEquals(ran, onFx(() -> studio.generation().recordedStepsProperty().get()));
        assertEquals("step 13/13 (PLMS: 12 steps + 1 warm-up)", onFx(() -> studio.generation().stepLabelProperty().get()));
        assertEquals("step 13/13 (PLMS: 12 steps + 1 warm-up)", lookup("#progress-step").queryLabeled().getText());
        List<String> progress = stepTexts.stream().filter(t -> !t.equals("starting")).toList();
        assertTrue(progress.stream().allMatch(t -> t.matches("step \\d+/13 \\(PLMS: 12 steps \\+ 1 warm-up\\)")), progress.toString());
    }

    @Test
    void aTypedSeedIsUsedEvenWithTheLockOpen() {
        waitForModel();
        clickOn("#prompt").write(PROMPT);
        typeInto("#steps", "2");
        assertEquals(false, onFx(() -> studio.parameters().seedLockedProperty().get()));
        typeInto("#seed", "12345");
        pressGenerate();
        waitUntil("the first result", () -> studio.gallery().size() == 1);
        waitForIdle();
        assertEquals(12345L, onFx(() -> studio.generation().lastResultProperty().get().result().request().seed()));

        // The lock is open: the next run gets a new seed, and the field shows it.
        pressGenerate();
        waitUntil("the second result", () -> studio.gallery().size() == 2);
        waitForIdle();
        long second = onFx(() -> studio.generation().lastResultProperty().get().result().request().seed());
        assertTrue(second != 12345L, "an open lock rolls a new seed after the typed one was used");
        assertEquals(second, (long) onFx(() -> studio.parameters().seedProperty().get()));

        // Locked, the seed stays.
        clickOn("#seed-lock");
        pressGenerate();
        waitUntil("the third result", () -> studio.gallery().size() == 3);
        waitForIdle();
        assertEquals(second, onFx(() -> studio.generation().lastResultProperty().get().result().request().seed()));
    }

    @Test
    void theTokenCounterCountsWithTheModelsTokenizer() throws Exception {
        waitForModel();
        clickOn("#prompt").write(PROMPT);
        // Expected count from the engine's own tokenizer for this model's vocabulary, opened independently.
        int expected;
        try (ClipTokenizer t = ClipTokenizer.load(TINY_SD.resolve("tokenizer"))) {
            expected = t.countTokens(PROMPT);
        }
        String label = expected + " / 75 tokens";
        waitUntil("the token count", () -> lookup("#prompt-tokens").queryAs(Label.class).getText().startsWith(label));
        assertNotNull(label);
    }
}
