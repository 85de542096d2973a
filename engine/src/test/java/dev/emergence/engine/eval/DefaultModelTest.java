package dev.emergence.engine.eval;

import dev.emergence.engine.pipeline.CancellationToken;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.pipeline.GenerationResult;
import dev.emergence.engine.pipeline.LoadedModel;
import dev.emergence.engine.pipeline.StepListener;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.scheduler.SchedulerKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded default model through the Java engine: it follows prompts, keeps a sketch's composition
 * in img2img, and paints into the masked region only. Colours are judged with the recipe's palette
 * and tolerance (assets/recipe/heldout.json), the same rules the evaluation uses.
 */
class DefaultModelTest {
    static final Path MODEL = Path.of("..", "assets", "default-model");
    static LoadedModel model;
    static HeldOutScenes doc;
    static SceneScorer scorer;

    @BeforeAll
    static void load() throws Exception {
        model = LoadedModel.open(MODEL, ExecutionOptions.cpu());
        doc = HeldOutScenes.load(Path.of("..", "assets", "recipe", "heldout.json"));
        scorer = new SceneScorer(doc);
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    static GenerationResult generate(String prompt, long seed, BufferedImage init, BufferedImage mask, double strength) throws Exception {
        int size = model.info().nativeSampleSize();
        return generate(prompt, seed, size, size, init, mask, strength);
    }

    static GenerationResult generate(String prompt, long seed, int width, int height, BufferedImage init, BufferedImage mask,
                                     double strength) throws Exception {
        GenerationRequest r = new GenerationRequest(prompt, "", width, height, 20, 7.5, seed, SchedulerKind.DDIM, strength, 0,
                null, null, model.info().name());
        return model.pipeline().generate(r, init, mask, StepListener.NONE, new CancellationToken());
    }

    /** Pixels in [x0, x1) × [y0, y1) whose nearest palette colour (within the tolerance) is {@code colour}. */
    static int count(BufferedImage img, String colour, int x0, int y0, int x1, int y1) {
        int n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                int p = img.getRGB(x, y);
                if (scorer.classify((p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff).equals(colour)) n++;
            }
        }
        return n;
    }

    @Test
    void isTheDefaultModelAtItsNativeSize() {
        assertEquals(128, model.info().nativeSampleSize());
        assertEquals(4, model.info().latentChannels());
        assertEquals(8, model.info().vaeScaleFactor());
    }

    @Test
    void unknownWordsStillGenerateAndAreNamed() throws Exception {
        GenerationResult r = generate("a red circle on a zorblax background", 3, null, null, 1.0);
        assertTrue(r.notices().stream().anyMatch(n -> n.contains("zorblax")), r.notices().toString());
    }

    @Test
    void img2imgKeepsTheSketchsComposition() throws Exception {
        // A rough sketch: a blue background with a red blob on the left, as an artist might scribble it.
        BufferedImage sketch = picture(new Color(50, 90, 210), g -> {
            g.setColor(new Color(210, 50, 50));
            g.fillOval(8, 44, 36, 38);
        });
        BufferedImage out = generate("a red circle on a blue background", 11, sketch, null, 0.6).image();
        int size = out.getWidth();
        int third = size / 3;
        // The circle stays on the left; the background stays blue.
        assertTrue(count(out, "red", 0, third, third, 2 * third) >= 150, "red on the left");
        assertTrue(count(out, "red", 2 * third, 0, size, size) < 30, "no red on the right");
        assertTrue(count(out, "blue", 2 * third, 0, size, size) > 0.7 * (size - 2 * third) * size, "blue background on the right");
    }

    /**
     * "a yellow star" names no place, and an ordinary (4-channel) model inpaints by blending the re-noised
     * original back outside the mask: where the model starts its star outside the mask, the blend removes it.
     * So the star must appear in most seeds, not all; with "at the top right" the caption and the mask agree.
     * Set with an earlier model, which gave 5 and 7 of seeds 1-8 (at least 60 yellow pixels in the quarter).
     */
    @Test
    void inpaintingPaintsIntoTheMaskOnly() throws Exception {
        BufferedImage init = picture(new Color(40, 170, 60), g -> { });
        BufferedImage mask = picture(Color.BLACK, g -> {
            g.setColor(Color.WHITE);
            g.fillRect(64, 0, 64, 64); // the top right quarter
        });
        assertTrue(starsInTheMask("a yellow star", init, mask) >= 5, "a yellow star in the masked quarter in 5 of 8 seeds");
        assertTrue(starsInTheMask("a yellow star at the top right", init, mask) >= 7,
                "a yellow star at the top right in the masked quarter in 7 of 8 seeds");
    }

    /** A 128x128 picture of one colour, with whatever {@code draw} adds on top. */
    private static BufferedImage picture(Color background, Consumer<Graphics2D> draw) {
        BufferedImage img = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(background);
        g.fillRect(0, 0, 128, 128);
        draw.accept(g);
        g.dispose();
        return img;
    }

    private static int starsInTheMask(String prompt, BufferedImage init, BufferedImage mask) throws Exception {
        int stars = 0;
        for (long seed = 1; seed <= 8; seed++) {
            BufferedImage out = generate(prompt, seed, init, mask, 1.0).image();
            if (count(out, "yellow", 64, 0, 128, 64) >= 60) stars++;
            for (int y = 0; y < 128; y++) {
                for (int x = 0; x < 128; x++) {
                    if (x >= 64 && y < 64) continue;
                    assertEquals(init.getRGB(x, y), out.getRGB(x, y), "unchanged outside the mask at " + x + "," + y + ", seed " + seed);
                }
            }
        }
        return stars;
    }

    /**
     * Every held-out caption at seed 1 (DDIM 20, CFG 7.5), scored as `evaluate` scores it, at the native size and
     * at the two aspects the model was trained on besides it. Measured on this model (default model 5): 84, 82
     * and 79 of 88 objects (95%, 93%, 90%) drawn as the named shape; default model 3, trained on 128x128 only:
     * 68, 52 and 60 (77%, 59%, 68%). Chance is 20%.
     */
    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"128, 128", "192, 128", "128, 192"})
    void drawsTheNamedShapeOnHeldOutCaptions(int width, int height) throws Exception {
        int objects = 0, shapes = 0, placed = 0;
        for (HeldOutScenes.Scene scene : doc.scenes()) {
            SceneScorer.Score s = scorer.score(generate(scene.caption(), 1, width, height, null, null, 1.0).image(), scene);
            for (SceneScorer.ObjectScore o : s.objects()) {
                objects++;
                if (o.shapeOk()) shapes++;
                if (o.ok()) placed++;
            }
        }
        assertTrue(shapes >= 0.85 * objects, shapes + " of " + objects + " objects drawn as the named shape; expected at least 85%");
        assertTrue(placed >= 0.95 * objects, placed + " of " + objects + " objects of the named colour in the named place; expected at least 95%");
    }

    @Test
    void sameSeedSamePictureOtherSeedAnother() throws Exception {
        BufferedImage a = generate("a large purple heart on a white background", 7, null, null, 1.0).image();
        BufferedImage b = generate("a large purple heart on a white background", 7, null, null, 1.0).image();
        BufferedImage c = generate("a large purple heart on a white background", 8, null, null, 1.0).image();
        int differing = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                assertEquals(a.getRGB(x, y), b.getRGB(x, y));
                if (a.getRGB(x, y) != c.getRGB(x, y)) differing++;
            }
        }
        assertTrue(differing > 100, "another seed gives another picture");
    }

}
