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
        List<Image> previews = new CopyOnWriteArrayList<>();
        fx(() -> studio.generation().livePreviewProperty().addListener((o, a, b) -> {
            if (b != null) previews.add(b);
        }));
        typeInto("#preview-stride", "4");
        typeInto("#steps", "9");
        fx(() -> studio.parameters().schedulerProperty().set(dev.emergence.engine.scheduler.SchedulerKind.EULER));
        assertEquals(4, (int) onFx(() -> studio.generation().previewStrideProperty().get()));
        // Live previews use the chosen decoder (the tiny one); the timeline's thumbnails use latent colours.
        PreviewKind live = onFx(() -> studio.generation().previewKindProperty().get());
        assertEquals(PreviewKind.TINY_DECODER, live);
        int decodesBefore = decodes(live);
        pressGenerate();
        waitUntil("a result", () -> studio.gallery().size() == 1);
        waitForIdle();
        // Only steps 1, 5 and 9 (0-based 0, 4 and the last, 8) are decoded: at most 3 decodes for 9 steps
        // (fewer only if the machine is so slow that a newer one overtakes an older one, which latest-wins allows).
        int decodes = decodes(live) - decodesBefore;
        assertTrue(decodes >= 2 && decodes <= 3, "live preview decodes: " + decodes);
        assertTrue(previews.size() >= 2 && previews.size() <= decodes, "previews shown: " + previews.size());
    }

    private int decodes(PreviewKind kind) {
        var n = paced.previewCalls.get(kind);
        return n == null ? 0 : n.get();
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
