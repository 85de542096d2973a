package dev.emergence.app.studio;

import dev.emergence.app.engine.EngineAdapter;
import dev.emergence.app.engine.StudioEngine;
import dev.emergence.app.fx.FxImages;
import dev.emergence.app.generation.StepRecord;
import dev.emergence.app.generation.GenerationState;
import dev.emergence.engine.pipeline.PreviewKind;
import dev.emergence.engine.runtime.ExecutionOptions;
import javafx.scene.image.Image;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LivePreviewAndScrubTest extends StudioTest {
    private static final int STEPS = 10;
    private PacedEngine paced;

    @Override
    StudioEngine engine() {
        // 60 ms a step: slow enough that the screen shows several steps, as with a real model.
        paced = new PacedEngine(new EngineAdapter(ExecutionOptions.cpu()), 60);
        return paced;
    }

    @Test
    void thePreviewChangesDuringTheStepsAndTheScrubberShowsAnyStep() throws Exception {
        waitForModel();
        List<Image> previews = new CopyOnWriteArrayList<>();
        fx(() -> studio.generation().livePreviewProperty().addListener((o, a, b) -> {
            if (b != null && studio.generation().state() == GenerationState.RUNNING) previews.add(b);
        }));
        clickOn("#prompt").write("a tree");
        typeInto("#steps", String.valueOf(STEPS));
        fx(() -> studio.parameters().schedulerProperty().set(dev.emergence.engine.scheduler.SchedulerKind.EULER));
        pressGenerate();
        waitUntil("the first steps", () -> studio.generation().recordedStepsProperty().get() >= 2);
        assertEquals(GenerationState.RUNNING, onFx(() -> studio.generation().state()));
        assertTrue(onFx(() -> studio.generation().stepLabelProperty().get()).matches("step \\d+/" + STEPS), "step n/N while running");
        waitForIdle();

        // Several previews reached the screen during the steps, and the picture changed between them.
        assertTrue(previews.size() >= 3, "previews shown: " + previews.size());
        assertTrue(previews.size() <= STEPS, "never more previews than steps");
        assertFalse(samePixels(previews.get(0), previews.get(previews.size() - 1)), "the picture emerges: first and last preview differ");

        // Scrub to step 1: the pane shows that step's x0, decoded by the engine's chosen decoder.
        PreviewKind kind = onFx(() -> studio.generation().previewKindProperty().get());
        fx(() -> studio.scrubber().slider().setValue(1));
        StepRecord first = onFx(() -> studio.generation().timeline().get(0));
        BufferedImage expectedFirst = paced.preview(first.x0(), kind).join();
        waitUntil("step 1 decoded", () -> shownMatches(expectedFirst));
        assertFalse(onFx(() -> studio.scrubber().liveButton().isSelected()), "scrubbing leaves the live view");

        // The last step.
        fx(() -> studio.scrubber().slider().setValue(STEPS));
        StepRecord last = onFx(() -> studio.generation().timeline().get(STEPS - 1));
        BufferedImage expectedLast = paced.preview(last.x0(), kind).join();
        waitUntil("the last step decoded", () -> shownMatches(expectedLast));
        assertFalse(samePixels(FxImages.toFx(expectedFirst), FxImages.toFx(expectedLast)));

        // Side by side: the noisy latent of the step beside its x0.
        clickOn("#view-both");
        BufferedImage expectedLatent = paced.preview(last.latent(), kind).join();
        waitUntil("the latent beside x0", () -> studio.preview().sideBySide()
                && matches(studio.preview().shownImageProperty().get(), expectedLatent)
                && matches(studio.preview().secondImageProperty().get(), expectedLast));

        // Going back to a step already seen needs no decoding: its x0 is there in the same FX turn;
        // only its latent (not seen yet) is decoded.
        int cached = onFx(() -> studio.generation().stepImages().size());
        assertTrue(onFx(() -> {
            studio.scrubber().slider().setValue(1);
            return matches(studio.preview().secondImageProperty().get(), expectedFirst);
        }), "step 1's x0 comes from the cache at once");
        waitUntil("step 1's latent decoded", () -> studio.generation().stepImages().size() == cached + 1);

        // Live shows the result again.
        clickOn("#live");
        assertEquals(onFx(() -> studio.generation().lastResultProperty().get().image()),
                onFx(() -> studio.preview().shownImageProperty().get()));
        type(KeyCode.ESCAPE);
    }

    @Test
    void thePreviewStrideDecodesEveryNthStep() {
        waitForModel();
        typeInto("#preview-stride", "4");
        typeInto("#steps", "9");
        fx(() -> studio.parameters().schedulerProperty().set(dev.emergence.engine.scheduler.SchedulerKind.EULER));
        assertEquals(4, (int) onFx(() -> studio.generation().previewStrideProperty().get()));
        // Live previews use the chosen decoder (the tiny one); the timeline's thumbnails use latent colours.
        PreviewKind live = onFx(() -> studio.generation().previewKindProperty().get());
        assertEquals(PreviewKind.TINY_DECODER, live);
        pressGenerate();
        waitUntil("a result", () -> studio.gallery().size() == 1);
        waitForIdle();
        int steps = onFx(() -> studio.generation().timeline().size());
        assertEquals(9, steps);
        // Which steps were decoded for the live preview, told apart by their x0 tensors (the step
        // records hold the very tensors the engine handed over).
        List<Integer> decoded = new java.util.ArrayList<>();
        for (PacedEngine.Decode d : paced.decodes) {
            if (d.kind() != live) continue;
            for (int i = 0; i < steps; i++) {
                if (onFx(() -> studio.generation().timeline()).get(i).x0() == d.tensor()) decoded.add(i);
            }
        }
        // Only steps 1, 5 and 9 (0-based 0, 4 and the last, 8) are offered to the decoder. Latest-wins may
        // drop an older offer that a newer one overtakes on a busy machine, but never the last one.
        assertTrue(List.of(0, 4, 8).containsAll(decoded), "live preview decodes of steps " + decoded);
        assertTrue(decoded.contains(8), "the last step is always decoded: " + decoded);
        assertEquals(decoded.stream().distinct().count(), decoded.size(), "each step decoded once: " + decoded);
    }

    @Test
    void switchingTheViewDuringARunChangesTheLivePreview() throws Exception {
        waitForModel();
        typeInto("#steps", "8");
        fx(() -> studio.parameters().schedulerProperty().set(dev.emergence.engine.scheduler.SchedulerKind.EULER));
        PreviewKind kind = onFx(() -> studio.generation().previewKindProperty().get());
        paced.holdFromStep = 3;
        try {
            pressGenerate();
            // Steps 1 to 3 are done and the engine waits before step 4: a run in progress.
            waitUntil("step 3 shown live", () -> studio.generation().liveFrameProperty().get() != null
                    && studio.generation().liveFrameProperty().get().step() == 2);
            StepRecord third = onFx(() -> studio.generation().timeline().get(2));
            BufferedImage latent3 = paced.preview(third.latent(), kind).join();
            BufferedImage x03 = paced.preview(third.x0(), kind).join();
            assertTrue(shownMatches(x03), "x0 while following");

            // The current step changes view at once (decoded now, as the x0 was the only one decoded).
            clickOn("#view-latent");
            waitUntil("step 3's latent live", () -> shownMatches(latent3));
            assertEquals(GenerationState.RUNNING, onFx(() -> studio.generation().state()));
            clickOn("#view-both");
            assertTrue(onFx(() -> studio.preview().sideBySide()
                    && matches(studio.preview().shownImageProperty().get(), latent3)
                    && matches(studio.preview().secondImageProperty().get(), x03)), "both views of step 3, from the cache");

            // From the next step on, the live preview is decoded in the chosen view.
            clickOn("#view-latent");
            paced.release.countDown();
            waitUntil("a later step decoded as latent only", () -> {
                var f = studio.generation().liveFrameProperty().get();
                return f != null && f.step() > 2 && f.latent() != null && f.x0() == null;
            });
        } finally {
            paced.release.countDown();
        }
        waitForIdle();
    }

    private boolean shownMatches(BufferedImage expected) {
        return matches(studio.preview().shownImageProperty().get(), expected);
    }

    private static boolean matches(Image shown, BufferedImage expected) {
        return shown != null && samePixels(shown, FxImages.toFx(expected));
    }

    static boolean samePixels(Image a, Image b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) return false;
        int w = (int) a.getWidth(), h = (int) a.getHeight();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (a.getPixelReader().getArgb(x, y) != b.getPixelReader().getArgb(x, y)) return false;
            }
        }
        return true;
    }

}
