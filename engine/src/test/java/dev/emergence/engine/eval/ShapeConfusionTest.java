package dev.emergence.engine.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ShapeConfusionTest {
    private static SceneScorer.ObjectScore scored(String named, String drawn) {
        return new SceneScorer.ObjectScore("red", "centre", 100, 0, true, named, drawn, Map.of());
    }

    @Test
    void countsEachNamedShapeByTheShapeDrawnAndNothingDrawnAsNone() {
        ShapeConfusion c = new ShapeConfusion(List.of("circle", "square", "star"));
        c.add(scored("star", "circle"));
        c.add(scored("star", "circle"));
        c.add(scored("star", "star"));
        c.add(scored("square", null));
        c.add(scored("", "circle")); // a scene file without shapes: not counted
        Map<String, Map<String, Integer>> counts = c.counts();
        assertEquals(List.of("circle", "square", "star"), List.copyOf(counts.keySet()));
        assertEquals(Map.of("circle", 2, "square", 0, "star", 1, "none", 0), counts.get("star"));
        assertEquals(Map.of("circle", 0, "square", 0, "star", 0, "none", 1), counts.get("square"));
        assertEquals(Map.of("circle", 0, "square", 0, "star", 0, "none", 0), counts.get("circle"));
        List<String> table = c.table();
        assertEquals(4, table.size());
        assertEquals(List.of("named", "\\", "drawn", "circle", "square", "star", "none"), List.of(table.get(0).trim().split(" +")));
        assertEquals(List.of("star", "2", "0", "1", "0"), List.of(table.get(3).trim().split(" +")));
    }
}
