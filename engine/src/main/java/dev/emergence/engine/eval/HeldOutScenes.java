package dev.emergence.engine.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.InvalidRequestException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The held-out scenes the default model's recipe writes ({@code assets/recipe/heldout.json}): captions
 * the model never saw in training, each with what it asked for, and the rules a picture is scored by.
 */
public record HeldOutScenes(int imageSize, Map<String, int[]> palette, Map<String, double[]> regionFractions,
                            double colourTolerance, int minObjectPixels, double shapeSearchMargin,
                            Map<String, Silhouette> silhouettes, List<Scene> scenes) {

    /**
     * A shape as the scorer compares it: the unit disc, or a polygon (x, y pairs, y down) filling the box
     * [-1, 1] x [-1, 1]. A point is inside a polygon by the even-odd rule.
     */
    public record Silhouette(double[][] polygon) {
        public boolean disc() {
            return polygon == null;
        }

        public boolean contains(double x, double y) {
            if (polygon == null) return x * x + y * y < 1;
            boolean inside = false;
            for (int i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
                double xi = polygon[i][0], yi = polygon[i][1], xj = polygon[j][0], yj = polygon[j][1];
                if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
            }
            return inside;
        }
    }

    public record SceneObject(String colour, String shape, String region, String size) {
    }

    public record Scene(String id, String caption, String background, List<SceneObject> objects) {
    }

    public static HeldOutScenes load(Path file) throws InvalidRequestException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new InvalidRequestException(file + ": not a readable held-out scene file (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        try {
            Map<String, int[]> palette = new LinkedHashMap<>();
            root.get("palette").fields().forEachRemaining(e -> palette.put(e.getKey(),
                    new int[] {e.getValue().get(0).asInt(), e.getValue().get(1).asInt(), e.getValue().get(2).asInt()}));
            Map<String, double[]> regions = new LinkedHashMap<>();
            root.get("regions_fraction").fields().forEachRemaining(e -> regions.put(e.getKey(), new double[] {
                    e.getValue().get(0).asDouble(), e.getValue().get(1).asDouble(), e.getValue().get(2).asDouble(), e.getValue().get(3).asDouble()}));
            List<Scene> scenes = new ArrayList<>();
            for (JsonNode s : root.get("scenes")) {
                List<SceneObject> objects = new ArrayList<>();
                for (JsonNode o : s.get("objects")) {
                    objects.add(new SceneObject(o.get("colour").asText(), o.path("shape").asText(), o.get("region").asText(), o.path("size").asText()));
                }
                scenes.add(new Scene(s.get("id").asText(), s.get("caption").asText(), s.get("background").asText(), List.copyOf(objects)));
            }
            JsonNode rules = root.get("rules");
            // Files written before shapes were scored have no silhouettes: shapes are then not scored.
            Map<String, Silhouette> silhouettes = new LinkedHashMap<>();
            root.path("silhouettes").fields().forEachRemaining(e -> {
                if (e.getValue().isTextual()) {
                    silhouettes.put(e.getKey(), new Silhouette(null));
                    return;
                }
                double[][] polygon = new double[e.getValue().size()][];
                for (int i = 0; i < polygon.length; i++) {
                    polygon[i] = new double[] {e.getValue().get(i).get(0).asDouble(), e.getValue().get(i).get(1).asDouble()};
                }
                silhouettes.put(e.getKey(), new Silhouette(polygon));
            });
            return new HeldOutScenes(root.get("image_size").asInt(), palette, regions,
                    rules.get("colour_tolerance").asDouble(), rules.get("min_object_pixels").asInt(),
                    rules.path("shape_search_margin").asDouble(0.25), silhouettes, List.copyOf(scenes));
        } catch (NullPointerException e) {
            throw new InvalidRequestException(file + ": missing palette, regions_fraction, rules or scenes; expected the recipe's heldout.json");
        }
    }
}
