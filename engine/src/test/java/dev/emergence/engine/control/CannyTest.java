package dev.emergence.engine.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Canny} against OpenCV's cv2.Canny on the pictures engine/tools/reference/make_canny_refs.py
 * made (reference/canny/: its pictures, the edges OpenCV found and the settings). The algorithm is
 * OpenCV's step for step in integers, so every pixel must agree; the test names any that does not.
 */
class CannyTest {
    private static final String DIR = "/reference/canny/";

    @Test
    void everyPixelAgreesWithOpenCv() throws IOException {
        JsonNode cases = new ObjectMapper().readTree(CannyTest.class.getResourceAsStream(DIR + "canny_cases.json")).get("cases");
        assertTrue(cases.size() >= 15);
        for (JsonNode c : cases) {
            BufferedImage picture = read(c.get("picture").asText());
            BufferedImage expected = read(c.get("edges").asText());
            int w = picture.getWidth(), h = picture.getHeight();
            byte[] edges = Canny.edges(CannyPreprocessor.planes(picture), w, h, c.get("low").asDouble(), c.get("high").asDouble(),
                    c.get("l2_gradient").asBoolean());
            int differ = 0, first = -1, count = 0;
            for (int i = 0; i < w * h; i++) {
                int want = expected.getRaster().getSample(i % w, i / w, 0);
                int got = edges[i] & 0xFF;
                if (got == 255) count++;
                if (want != got) {
                    differ++;
                    if (first < 0) first = i;
                }
            }
            String what = c.get("edges").asText();
            assertEquals(0, differ, what + ": " + differ + " of " + (w * h) + " pixels differ from OpenCV, the first at x="
                    + (first % w) + " y=" + (first / w));
            assertEquals(c.get("edge_pixels").asInt(), count, what);
        }
    }

    private static BufferedImage read(String name) throws IOException {
        try (InputStream in = CannyTest.class.getResourceAsStream(DIR + name)) {
            return ImageIO.read(in);
        }
    }
}
