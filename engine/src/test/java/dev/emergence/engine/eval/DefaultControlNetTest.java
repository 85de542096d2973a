package dev.emergence.engine.eval;

import dev.emergence.engine.control.ControlInput;
import dev.emergence.engine.control.ControlUnit;
import dev.emergence.engine.control.PreprocessorKind;
import dev.emergence.engine.model.OnnxControlNet;
import dev.emergence.engine.pipeline.CancellationToken;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.pipeline.LoadedModel;
import dev.emergence.engine.pipeline.StepListener;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.scheduler.SchedulerKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded model's scribble ControlNet ({@code assets/default-model/controlnets/scribble}, trained by
 * the recipe's {@code --controlnet} stage) steers the composition: with captions that name no place, the
 * object lands where the artist's scribble is. Judged by the evaluation's own rules (SceneScorer), each
 * held-out scene scored against the region its scribble was drawn in; the same captions without the
 * ControlNet put the object there far less often, so it is the ControlNet that places it.
 *
 * <p>Writes the README's scribble-to-picture example to {@code target/scribble.png} (and, with
 * {@code -Dstudio.screenshot.update=true}, to {@code docs/scribble.png}).
 */
class DefaultControlNetTest {
    static final Path MODEL = Path.of("..", "assets", "default-model");
    static final Path NET = MODEL.resolve("controlnets").resolve("scribble");
    static LoadedModel model;
    static OnnxControlNet net;
    static HeldOutScenes doc;
    static SceneScorer scorer;

    @BeforeAll
    static void load() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(NET.resolve("model.onnx")),
                "the embedded model ships no scribble ControlNet yet (the recipe's --controlnet stage makes it)");
        model = LoadedModel.open(MODEL, ExecutionOptions.cpu());
        net = model.controlNet(NET);
        doc = HeldOutScenes.load(Path.of("..", "assets", "recipe", "heldout.json"));
        scorer = new SceneScorer(doc);
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    /** "a large red star on a blue background": the held-out object and background, no place. */
    static String unplaced(HeldOutScenes.Scene s) {
        StringBuilder b = new StringBuilder();
        for (HeldOutScenes.SceneObject o : s.objects()) {
            if (b.length() > 0) b.append(" and ");
            b.append("a ").append(o.size()).append(' ').append(o.colour()).append(' ').append(o.shape());
        }
        String bg = s.background();
        return b + " on " + ("aeiou".indexOf(bg.charAt(0)) >= 0 ? "an " : "a ") + bg + " background";
    }

    /** White filled silhouettes on black, each object's named shape at the centre of its named region. */
    static BufferedImage scribble(HeldOutScenes.Scene s, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.BLACK);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.WHITE);
        for (HeldOutScenes.SceneObject o : s.objects()) {
            double[] f = doc.regionFractions().get(o.region());
            double cx = (f[0] + f[2]) / 2 * width, cy = (f[1] + f[3]) / 2 * height;
            double r = (o.size().equals("large") ? 18 : 11) * Math.min(width, height) / 128.0;
            HeldOutScenes.Silhouette sil = doc.silhouettes().get(o.shape());
            if (sil.disc()) {
                g.fillOval((int) Math.round(cx - r), (int) Math.round(cy - r), (int) Math.round(2 * r), (int) Math.round(2 * r));
                continue;
            }
            Polygon p = new Polygon();
            for (double[] v : sil.polygon()) p.addPoint((int) Math.round(cx + v[0] * r), (int) Math.round(cy + v[1] * r));
            g.fillPolygon(p);
        }
        g.dispose();
        return img;
    }

    static BufferedImage generate(String prompt, int width, int height, BufferedImage control, long seed) throws Exception {
        GenerationRequest r = new GenerationRequest(prompt, "", width, height, 20, 7.5, seed, SchedulerKind.DDIM, 1.0, 0,
                null, null, model.info().name());
        if (control == null) {
            return model.pipeline().generate(r, null, null, List.of(), StepListener.NONE, new CancellationToken()).image();
        }
        r = r.withControls(List.of(new ControlUnit(NET.toString(), PreprocessorKind.SCRIBBLE)));
        return model.pipeline().generate(r, null, null, List.of(new ControlInput(net, net.shortHash(), control)),
                StepListener.NONE, new CancellationToken()).image();
    }

    @Test
    void aScribblePlacesTheObjectWhereTheCaptionNamesNoPlace() throws Exception {
        List<HeldOutScenes.Scene> scenes = doc.scenes().stream().filter(s -> s.objects().size() == 1).limit(12).toList();
        int placedWith = 0, placedWithout = 0, shapesWith = 0;
        StringBuilder misses = new StringBuilder();
        for (HeldOutScenes.Scene s : scenes) {
            SceneScorer.Score with = scorer.score(generate(unplaced(s), 128, 128, scribble(s, 128, 128), 1), s);
            SceneScorer.Score without = scorer.score(generate(unplaced(s), 128, 128, null, 1), s);
            if (with.ok()) placedWith++;
            else misses.append(' ').append(s.id());
            if (with.objects().get(0).shapeOk()) shapesWith++;
            if (without.ok()) placedWithout++;
        }
        // Measured on default model 5 and its ControlNet: 11 of 12 with, 3 without, shape right 10 (default
        // model 4's: 12, 3 and 9; model 3's: 12, 2 and 10; model 2's: 11, 0 and 4). Shapes are the base model's (issue 15's), not the ControlNet's,
        // so they are reported, not asserted.
        String report = String.format(Locale.ROOT, "placed with the scribble %d of 12 (missed:%s), shape right %d; without it %d",
                placedWith, misses, shapesWith, placedWithout);
        System.out.println(report);
        assertTrue(placedWith >= PLACED_WITH, report);
        assertTrue(placedWithout <= PLACED_WITHOUT, report);
    }

    static final int PLACED_WITH = 9;
    static final int PLACED_WITHOUT = 5;
    static final int SEEDS = 4;

    /** The README's example: a star scribbled at the top right of a 192x128 picture; four seeds without
     *  the ControlNet (the caption names no place, so the star lands anywhere or nowhere) and with it. */
    @Test
    void writesTheScribbleExample() throws Exception {
        HeldOutScenes.Scene s = new HeldOutScenes.Scene("example", "", "blue", List.of(
                new HeldOutScenes.SceneObject("yellow", "star", "top right", "large")));
        String prompt = unplaced(s);
        BufferedImage control = scribble(s, 192, 128);
        BufferedImage sheet = new BufferedImage((SEEDS + 1) * (192 + 8) - 8, 2 * 128 + 8, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
        g.drawImage(control, 0, (128 + 8) / 2, null);
        int placed = 0;
        for (int seed = 1; seed <= SEEDS; seed++) {
            BufferedImage with = generate(prompt, 192, 128, control, seed);
            g.drawImage(generate(prompt, 192, 128, null, seed), seed * (192 + 8), 0, null);
            g.drawImage(with, seed * (192 + 8), 128 + 8, null);
            if (scorer.score(with, s).ok()) placed++;
        }
        g.dispose();
        Path target = Path.of("target", "scribble.png");
        Files.createDirectories(target.getParent());
        ImageIO.write(sheet, "png", target.toFile());
        if (Boolean.getBoolean("studio.screenshot.update")) {
            Files.copy(target, Path.of("..", "docs", "scribble.png"), StandardCopyOption.REPLACE_EXISTING);
        }
        // Measured: the star at the scribble in 4 of 4 seeds.
        assertTrue(placed >= SEEDS - 1, "the star lands where it was scribbled in " + placed + " of " + SEEDS + " seeds");
    }
}
