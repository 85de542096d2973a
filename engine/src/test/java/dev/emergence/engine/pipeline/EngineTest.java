package dev.emergence.engine.pipeline;

import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.model.ModelInfo;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.scheduler.SchedulerKind;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine thread: models load once and are reused, generations run off the caller's thread, one at a time, and stop when cancelled. */
class EngineTest {
    static final Path TINY = Path.of("testmodels", "tiny-sd");

    static GenerationRequest request(int steps) {
        return new GenerationRequest("a red circle", "", 64, 64, steps, 7.5, 42, SchedulerKind.EULER, 1.0, 0, null, null, "tiny-sd");
    }

    @Test
    void generatesOnItsOwnThreadAndReportsEveryStep() throws Exception {
        try (Engine engine = new Engine()) {
            ModelInfo info = engine.load(TINY, ExecutionOptions.cpu()).get(60, TimeUnit.SECONDS);
            assertEquals("tiny-sd", info.name());
            List<String> threads = new CopyOnWriteArrayList<>();
            List<Integer> steps = new CopyOnWriteArrayList<>();
            GenerationJob job = engine.generate(request(6), null, null, s -> {
                threads.add(Thread.currentThread().getName());
                steps.add(s.stepIndex());
            });
            GenerationResult r = job.result().get(60, TimeUnit.SECONDS);
            assertEquals(List.of(0, 1, 2, 3, 4, 5), steps);
            assertTrue(threads.stream().allMatch("engine"::equals), threads.toString());
            assertNotEquals(Thread.currentThread().getName(), threads.get(0));
            assertEquals(64, r.image().getWidth());

            // The loaded model's sessions are reused: a second job on the same engine gives the same picture.
            GenerationResult again = engine.generate(request(6), null, null, StepListener.NONE).result().get(60, TimeUnit.SECONDS);
            assertTrue(samePixels(r.image(), again.image()));

            BufferedImage preview = engine.preview(r.finalLatent(), PreviewKind.LATENT_RGB).get(10, TimeUnit.SECONDS);
            assertEquals(8, preview.getWidth());
        }
    }

    @Test
    void cancelStopsWithinAStepAndLeavesTheEngineUsable() throws Exception {
        try (Engine engine = new Engine()) {
            engine.load(TINY, ExecutionOptions.cpu()).get(60, TimeUnit.SECONDS);
            List<Integer> seen = new ArrayList<>();
            java.util.concurrent.CompletableFuture<GenerationJob> submitted = new java.util.concurrent.CompletableFuture<>();
            GenerationJob[] job = new GenerationJob[1];
            job[0] = engine.generate(request(50), null, null, s -> {
                synchronized (seen) {
                    seen.add(s.stepIndex());
                }
                if (s.stepIndex() == 2) submitted.join().cancel();
            });
            submitted.complete(job[0]);
            ExecutionException e = assertThrows(ExecutionException.class, () -> job[0].result().get(60, TimeUnit.SECONDS));
            assertInstanceOf(CancellationException.class, e.getCause());
            synchronized (seen) {
                assertTrue(seen.size() <= 3, "stopped after the step in which cancel was asked: " + seen);
            }
            // Still usable.
            assertEquals(64, engine.generate(request(2), null, null, StepListener.NONE).result().get(60, TimeUnit.SECONDS).image().getWidth());
        }
    }

    @Test
    void aBrokenModelFolderFailsTheLoadWithItsReason() throws Exception {
        try (Engine engine = new Engine()) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> engine.load(Path.of("testmodels", "no-such-model"), ExecutionOptions.cpu()).get(60, TimeUnit.SECONDS));
            assertInstanceOf(ModelException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("no-such-model"), e.getCause().getMessage());
            ExecutionException noModel = assertThrows(ExecutionException.class,
                    () -> engine.generate(request(2), null, null, StepListener.NONE).result().get(10, TimeUnit.SECONDS));
            assertInstanceOf(ModelException.class, noModel.getCause() instanceof CompletionException ? noModel.getCause().getCause() : noModel.getCause());
        }
    }

    static boolean samePixels(BufferedImage a, BufferedImage b) {
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                if (a.getRGB(x, y) != b.getRGB(x, y)) return false;
            }
        }
        return true;
    }

    /** A prompt's LoRA tags are applied before its generation, and taken off again when a prompt has none. */
    @Test
    void promptLorasApplyOnTheEngineThread(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path loras = java.nio.file.Files.createDirectories(dir.resolve("loras"));
        java.nio.file.Files.copy(Path.of("testmodels", "tiny-lora", "loras", "kohya-style.safetensors"), loras.resolve("ink.safetensors"));
        try (Engine engine = new Engine(() -> new dev.emergence.engine.lora.LoraLibrary(loras))) {
            engine.load(Path.of("testmodels", "tiny-lora"), ExecutionOptions.cpu(1)).get(60, TimeUnit.SECONDS);
            GenerationRequest plain = new GenerationRequest("a red circle", "", 64, 64, 2, 7.5, 42, SchedulerKind.EULER, 1.0, 0, null, null, "m");
            GenerationRequest styled = new GenerationRequest("a red circle <lora:ink:0.8> <lora:gone>", "", 64, 64, 2, 7.5, 42,
                    SchedulerKind.EULER, 1.0, 0, null, null, "m");
            GenerationResult a = engine.generate(plain, null, null, StepListener.NONE).result().get(60, TimeUnit.SECONDS);
            GenerationResult b = engine.generate(styled, null, null, StepListener.NONE).result().get(60, TimeUnit.SECONDS);
            assertTrue(b.notices().get(0).startsWith("LoRA 'gone' (<lora:gone> in the prompt) is not in the loras folder "), b.notices().toString());
            assertTrue(b.notices().get(1).startsWith("ink: 1 of 9 LoRA layers matched nothing: "), b.notices().toString());
            assertEquals(1, engine.model().orElseThrow().appliedLoras().size());
            assertTrue(!samePixels(a.image(), b.image()), "the LoRA changes the picture");
            GenerationResult c = engine.generate(plain, null, null, StepListener.NONE).result().get(60, TimeUnit.SECONDS);
            assertEquals(List.of(), engine.model().orElseThrow().appliedLoras());
            assertTrue(samePixels(a.image(), c.image()), "without tags the model's own weights are back");
        }
    }
}
