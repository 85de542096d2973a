package dev.emergence.engine.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How often each named shape was drawn as each silhouette (or as nothing the scorer could match): the
 * confusion matrix that says which shapes a model gets wrong, where a single share only says how many.
 */
public final class ShapeConfusion {
    /** The column for an object with no blob of its colour large enough to compare. */
    public static final String NONE = "none";

    private final List<String> shapes;
    private final Map<String, Map<String, Integer>> counts = new LinkedHashMap<>();

    /** @param shapes the silhouettes' names, in the scene file's order (rows and columns keep it) */
    public ShapeConfusion(List<String> shapes) {
        this.shapes = List.copyOf(shapes);
        for (String named : this.shapes) counts.put(named, emptyRow());
    }

    private Map<String, Integer> emptyRow() {
        Map<String, Integer> row = new LinkedHashMap<>();
        for (String s : shapes) row.put(s, 0);
        row.put(NONE, 0);
        return row;
    }

    /** Counts one scored object; objects named without a shape (older scene files) are not counted. */
    public void add(SceneScorer.ObjectScore o) {
        if (o.shape() == null || o.shape().isEmpty()) return;
        String drawn = o.shapeMeasured() == null ? NONE : o.shapeMeasured();
        counts.computeIfAbsent(o.shape(), k -> emptyRow()).merge(drawn, 1, Integer::sum);
    }

    /** Named shape to drawn shape to count; every row lists every column, zeros included. */
    public Map<String, Map<String, Integer>> counts() {
        Map<String, Map<String, Integer>> copy = new LinkedHashMap<>();
        counts.forEach((k, v) -> copy.put(k, new LinkedHashMap<>(v)));
        return copy;
    }

    /** Rows of text: a header of drawn shapes, then one line per named shape with its counts. */
    public List<String> table() {
        List<String> columns = new ArrayList<>(shapes);
        columns.add(NONE);
        List<String> lines = new ArrayList<>();
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-18s", "named \\ drawn"));
        for (String c : columns) header.append(String.format(Locale.ROOT, " %8s", c));
        lines.add(header.toString());
        counts.forEach((named, row) -> {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-18s", named));
            for (String c : columns) b.append(String.format(Locale.ROOT, " %8d", row.getOrDefault(c, 0)));
            lines.add(b.toString());
        });
        return lines;
    }
}
