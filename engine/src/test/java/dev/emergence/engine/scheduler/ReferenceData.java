package dev.emergence.engine.scheduler;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.emergence.engine.random.NoiseGenerator;
import dev.emergence.engine.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Reads the scheduler reference files under {@code reference/schedulers/} and provides the inputs
 * and comparisons the tests share. The files were written by
 * {@code engine/tools/reference/make_scheduler_refs.py}, which ran diffusers' own scheduler classes
 * (diffusers 0.40.0.dev0, commit 58eb52c0803ea9af3abec60841c2a093bdf1f951, torch 1.13 on CPU);
 * each file names the version and commit it came from.
 */
final class ReferenceData {
    /** Relative tolerance of every comparison. */
    static final double RTOL = 1e-4;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private ReferenceData() {
    }

    static JsonNode load(String kind) {
        String path = "/reference/schedulers/" + kind + ".json";
        try (InputStream in = ReferenceData.class.getResourceAsStream(path)) {
            assertNotNull(in, "missing test resource " + path);
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SchedulerConfig config(JsonNode run) {
        try {
            return SchedulerConfig.parse(JSON.writeValueAsString(run.get("config")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The script's input pattern: f(j, k) = sin(0.731 j + 1.37 k + 0.25) + 0.5 cos(0.419 j − 0.83 k + 1.1),
     * rounded to float, j the flat element index. Model output at timestep index i is f(·, i + 1).
     */
    static Tensor pattern(int k, int[] shape) {
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] v = new float[n];
        for (int j = 0; j < n; j++) {
            v[j] = (float) (Math.sin(0.731 * j + 1.37 * k + 0.25) + 0.5 * Math.cos(0.419 * j - 0.83 * k + 1.1));
        }
        return new Tensor(v, shape);
    }

    static int[] shape(JsonNode file) {
        JsonNode s = file.get("shape");
        int[] shape = new int[s.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = s.get(i).asInt();
        return shape;
    }

    static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asDouble();
        return out;
    }

    static Tensor tensor(JsonNode array, int[] shape) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) array.get(i).asDouble();
        return new Tensor(v, shape);
    }

    /** |actual − expected| ≤ RTOL·|expected| + atol for every element, both infinite alike. */
    static void assertClose(double[] expected, double[] actual, double atol, String what) {
        assertClose(expected, actual, RTOL, atol, what);
    }

    static void assertClose(double[] expected, double[] actual, double rtol, double atol, String what) {
        if (expected.length != actual.length) {
            fail(what + ": expected " + expected.length + " values, got " + actual.length
                    + "\n expected " + Arrays.toString(expected) + "\n actual   " + Arrays.toString(actual));
        }
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (Double.isInfinite(e) || Double.isInfinite(a)) {
                assertTrue(e == a, what + "[" + i + "]: expected " + e + ", got " + a);
                continue;
            }
            if (!(Math.abs(a - e) <= rtol * Math.abs(e) + atol)) {
                fail(what + "[" + i + "]: expected " + e + ", got " + a + " (difference " + Math.abs(a - e) + ")");
            }
        }
    }

    /**
     * Tensors: the relative tolerance plus an absolute one of 1e-5 of the tensor's largest value,
     * for elements that cancel to near zero. diffusers computes in float32; where a step starts
     * from a very large sigma (zero-SNR schedules, σ = 4096) its own rounding, amplified by the
     * cancellation, reaches a few 1e-6 of the values involved.
     */
    static void assertClose(JsonNode expected, Tensor actual, double rtol, String what) {
        double[] e = doubles(expected);
        double scale = Arrays.stream(e).map(Math::abs).max().orElse(0);
        double[] a = new double[actual.size()];
        for (int i = 0; i < a.length; i++) a[i] = actual.data()[i];
        assertClose(e, a, rtol, 1e-5 * Math.max(scale, 1), what);
    }

    /** Hands out the noise diffusers' scheduler drew, in order, as a generator would. */
    static final class RecordedNoise implements NoiseGenerator {
        private final List<JsonNode> draws;
        private final int[] shape;
        private int next;

        RecordedNoise(JsonNode draws, int[] shape) {
            this.draws = new java.util.ArrayList<>();
            draws.forEach(this.draws::add);
            this.shape = shape;
        }

        @Override
        public Tensor randn(int... requested) {
            assertArrayEquals(shape, requested, "noise shape");
            if (next >= draws.size()) fail("the scheduler drew more noise than diffusers did (" + draws.size() + " draws)");
            return tensor(draws.get(next++), shape);
        }

        int used() { return next; }

        int recorded() { return draws.size(); }
    }
}
