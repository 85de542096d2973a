package dev.emergence.engine.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java scorer gives the recipe's score.py verdicts. Reference: engine/tools/reference/make_scorer_refs.py
 * renders held-out scenes with the recipe's own renderer (exact, background recoloured, objects mirrored,
 * another shape drawn, random blobs; exact and blobs also at 192x128 and 128x192) and uniform noise, and
 * records what score.py measured for each, shapes and their IoUs included.
 */
class SceneScorerTest {
    static final Path REF = Path.of("src", "test", "resources", "reference", "eval");

    @Test
    void agreesWithTheRecipesScorer() throws Exception {
        HeldOutScenes doc = HeldOutScenes.load(Path.of("..", "assets", "recipe", "heldout.json"));
        Map<String, HeldOutScenes.Scene> byId = doc.scenes().stream().collect(Collectors.toMap(HeldOutScenes.Scene::id, Function.identity()));
        SceneScorer scorer = new SceneScorer(doc);
        JsonNode cases = new ObjectMapper().readTree(REF.resolve("scores.json").toFile()).get("cases");
        int exactPassed = 0, recolouredFailed = 0, noiseObjects = 0, noiseObjectsOk = 0, exactShapes = 0, exactShapesOk = 0;
        int otherShapes = 0, otherShapesOk = 0;
        for (JsonNode c : cases) {
            BufferedImage picture = ImageIO.read(REF.resolve(c.get("file").asText()).toFile());
            SceneScorer.Score s = scorer.score(picture, byId.get(c.get("scene").asText()));
            String file = c.get("file").asText();
            assertEquals(c.get("ok").asBoolean(), s.ok(), file);
            assertEquals(c.get("background_ok").asBoolean(), s.backgroundOk(), file);
            assertEquals(c.get("background_classified").isNull() ? null : c.get("background_classified").asText(), s.backgroundClassified(), file);
            for (int ch = 0; ch < 3; ch++) {
                assertEquals(c.get("background_rgb").get(ch).asDouble(), s.backgroundRgb()[ch], 0.051, file);
            }
            for (int i = 0; i < s.objects().size(); i++) {
                assertEquals(c.get("objects").get(i).get("pixels").asInt(), s.objects().get(i).pixels(), file);
                assertEquals(c.get("objects").get(i).get("elsewhere_max").asInt(), s.objects().get(i).elsewhereMax(), file);
                assertEquals(c.get("objects").get(i).get("ok").asBoolean(), s.objects().get(i).ok(), file);
                JsonNode ref = c.get("objects").get(i);
                SceneScorer.ObjectScore o = s.objects().get(i);
                assertEquals(ref.get("shape_measured").isNull() ? null : ref.get("shape_measured").asText(), o.shapeMeasured(), file);
                assertEquals(ref.get("shape_ok").asBoolean(), o.shapeOk(), file);
                assertEquals(ref.get("iou").size(), o.iou().size(), file);
                ref.get("iou").fields().forEachRemaining(e -> assertEquals(e.getValue().asDouble(), o.iou().get(e.getKey()), 0.0006, file + " " + e.getKey()));
                if (file.contains("-exact")) {
                    exactShapes++;
                    if (o.shapeOk()) exactShapesOk++;
                }
                if (file.endsWith("-othershape.png")) {
                    otherShapes++;
                    if (o.shapeOk()) otherShapesOk++;
                }
            }
            if (file.endsWith("-exact.png") && s.ok()) exactPassed++;
            if (file.endsWith("-recoloured.png") && !s.backgroundOk()) recolouredFailed++;
            if (file.endsWith("-noise.png")) {
                noiseObjects += s.objects().size();
                noiseObjectsOk += (int) s.objects().stream().filter(SceneScorer.ObjectScore::ok).count();
            }
        }
        // The reference itself is meaningful: exact renderings pass, recoloured backgrounds fail, and
        // noise with every colour in every region does not pass as objects.
        assertEquals(8, exactPassed);
        assertEquals(8, recolouredFailed);
        assertTrue(noiseObjects >= 8 && noiseObjectsOk <= noiseObjects / 4, noiseObjectsOk + " of " + noiseObjects);
        assertTrue(cases.size() >= 64);
        // Exact renderings' shapes are recognised at every size; another shape drawn in the same place is not.
        assertEquals(exactShapes, exactShapesOk);
        assertTrue(exactShapes >= 18 && otherShapes >= 9 && otherShapesOk == 0, otherShapesOk + " of " + otherShapes);
    }
}
