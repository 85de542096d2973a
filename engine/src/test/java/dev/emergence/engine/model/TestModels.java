package dev.emergence.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fixture bundles in engine/testmodels and their reference.json, written by
 * testmodels/make_test_models.py: torch float64 outputs of the same weights, the outside reference.
 */
final class TestModels {
    static final Path ROOT = Path.of("testmodels");
    static final String[] BUNDLES = {"tiny-sd", "tiny-sd-inpaint", "tiny-sd-fp16", "tiny-sd2-v", "tiny-sd-batch1"};
    /** One thread: the test machine's cores are shared. */
    static final ExecutionOptions CPU = ExecutionOptions.cpu(1);

    private static JsonNode reference;

    private TestModels() {
    }

    static Path bundle(String name) {
        return ROOT.resolve(name);
    }

    static synchronized JsonNode reference() {
        if (reference == null) {
            try {
                reference = new ObjectMapper().readTree(ROOT.resolve("reference.json").toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return reference;
    }

    static JsonNode reference(String bundle) {
        return reference().get("bundles").get(bundle);
    }

    /** reference.json's closed-form inputs: amplitude·sin(frequency·i + phase) over the flat index, as float32. */
    static Tensor pattern(String which, int... shape) {
        JsonNode p = reference().get("patterns").get(which);
        double a = p.get("amplitude").asDouble(), f = p.get("frequency").asDouble(), phase = p.get("phase").asDouble();
        int n = Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        float[] data = new float[n];
        for (int i = 0; i < n; i++) data[i] = (float) (a * Math.sin(f * i + phase));
        return new Tensor(data, shape);
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    /**
     * Checks {@code actual} against a summary in reference.json: the shape, every stride-th value
     * within {@code tolerance}, and the sum of absolute values within {@code tolerance} per element.
     *
     * @return the largest difference seen among the sampled values
     */
    static double assertMatches(JsonNode summary, Tensor actual, double tolerance, String what) {
        assertArrayEquals(ints(summary.get("shape")), actual.shape(), what + ": shape");
        int stride = summary.get("stride").asInt();
        JsonNode values = summary.get("values");
        float[] data = actual.data();
        double worst = 0;
        for (int k = 0; k < values.size(); k++) {
            double expected = values.get(k).asDouble();
            double got = data[k * stride];
            worst = Math.max(worst, Math.abs(expected - got));
            assertEquals(expected, got, tolerance, what + ": value " + k * stride);
        }
        double absSum = 0;
        for (float v : data) absSum += Math.abs(v);
        assertEquals(summary.get("abs_sum").asDouble(), absSum, tolerance * data.length, what + ": sum of |values|");
        return worst;
    }

    static double maxAbsDiff(Tensor a, Tensor b) {
        assertArrayEquals(a.shape(), b.shape());
        double worst = 0;
        for (int i = 0; i < a.size(); i++) worst = Math.max(worst, Math.abs(a.data()[i] - b.data()[i]));
        return worst;
    }

    static void assertFinite(Tensor t, String what) {
        for (float v : t.data()) assertTrue(Float.isFinite(v), what + " has a non-finite value");
    }

    /** A writable copy of a fixture bundle under {@code temp}, for tests that break it. */
    static Path copyBundle(String name, Path temp) throws IOException {
        return dev.emergence.engine.TestFolders.copy(bundle(name), temp.resolve(name));
    }
}
