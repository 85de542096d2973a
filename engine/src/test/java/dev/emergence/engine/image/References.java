package dev.emergence.engine.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/**
 * Reference files made outside this code by engine/tools/reference/make_image_refs.py and
 * make_png_refs.py (PIL, numpy, torch), kept as test resources.
 */
final class References {
    private static final ObjectMapper JSON = new ObjectMapper();

    private References() {
    }

    static Path path(String name) {
        URL url = References.class.getResource(name);
        if (url == null) throw new IllegalStateException("missing test resource " + name);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String name) throws IOException {
        return JSON.readTree(path(name).toFile());
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    /** float32 values stored as their IEEE bits, so they arrive exactly. */
    static float[] floatBits(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat(array.get(i).asInt());
        return out;
    }
}
