package dev.emergence.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code evaluate --seam} on the embedded model: the repaint touches only the middle, and the seam is reported. */
class EvaluateSeamCliTest {
    @TempDir
    Path dir;

    @Test
    void repaintsTheMiddleOnlyAndReportsTheSeam() throws Exception {
        CliRun r = CliRun.of("evaluate", "--model", Path.of("..", "assets", "default-model").toString(),
                "--heldout", Path.of("..", "assets", "recipe", "heldout.json").toString(), "--limit", "2", "--seam", "--json",
                "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode summary = new ObjectMapper().readTree(r.out());
        assertTrue(summary.get("seam_step").asDouble() > 0, r.out());
        assertTrue(summary.get("seam_local_variation").asDouble() > 0, r.out());
        double within = summary.get("seams_within_variation").asDouble();
        assertTrue(within == 0 || within == 0.5 || within == 1, "a share of the two pictures: " + within);
        assertTrue(r.err().contains("heldout-00 128x128 seam: step "), r.err());
        // The confusion matrix holds every scored object once, its diagonal the shapes drawn right.
        int total = 0, diagonal = 0;
        for (var row : (Iterable<java.util.Map.Entry<String, JsonNode>>) summary.get("shape_confusion")::fields) {
            for (var cell : (Iterable<java.util.Map.Entry<String, JsonNode>>) row.getValue()::fields) {
                total += cell.getValue().asInt();
                if (cell.getKey().equals(row.getKey())) diagonal += cell.getValue().asInt();
            }
        }
        assertTrue(total > 0, r.out());
        assertEquals(summary.get("shapes_ok").asDouble(), Math.round(10000.0 * diagonal / total) / 10000.0, r.out());
        // Outside the middle five eighths (24 to 104 at 128 pixels) the repaint keeps the picture exactly.
        BufferedImage before = ImageIO.read(dir.resolve("heldout-00-s1.png").toFile());
        BufferedImage after = ImageIO.read(dir.resolve("heldout-00-s1-seam.png").toFile());
        int changedInside = 0;
        for (int y = 0; y < 128; y++) {
            for (int x = 0; x < 128; x++) {
                boolean inside = x >= 24 && x < 104 && y >= 24 && y < 104;
                if (!inside) assertEquals(before.getRGB(x, y), after.getRGB(x, y), "kept at " + x + "," + y);
                else if (before.getRGB(x, y) != after.getRGB(x, y)) changedInside++;
            }
        }
        assertTrue(changedInside > 1000, "the middle was repainted (" + changedInside + " pixels changed)");
    }
}
