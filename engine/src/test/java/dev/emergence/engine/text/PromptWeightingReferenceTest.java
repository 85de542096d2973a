package dev.emergence.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.family.Conditioner;
import dev.emergence.engine.family.Conditioning;
import dev.emergence.engine.family.SdxlConditioner;
import dev.emergence.engine.model.DiffusionModels;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Windows, weights and weighted text states against AUTOMATIC1111's own prompt conditioning:
 * reference/text/prompt_weighting.json was written by engine/tools/reference/make_prompt_weighting_refs.py,
 * which runs stable-diffusion-webui's sd_hijack_clip.py (tokenize_line, process_tokens), prompt_parser.py
 * and sd_emphasis.py ("Original" emphasis) on the {@link WordLevelFixture} vocabulary with the two
 * closed-form encoders below (the same formulas as the script's ENCODER_A and ENCODER_B). The file
 * records the commit of each A1111 file. Windows of 8 positions (6 words) make BREAK, comma
 * back-tracking and several windows show on short prompts; two cases use CLIP's 77.
 */
class PromptWeightingReferenceTest {
    /**
     * The float32 rounding of the reference's float64 formulas leaves about this much; A1111's means are
     * float32 sums, so where weights nearly cancel ("(a:-1) (cat:2)": the rescale factor is about 100) their
     * rounding grows with the values, hence the relative part.
     */
    private static final float ABSOLUTE = 2e-6f, RELATIVE = 1e-5f;

    @TempDir
    static Path dir;
    private static final Map<Integer, ClipTokenizer> TOKENIZERS = new HashMap<>();
    private static JsonNode reference;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = PromptWeightingReferenceTest.class.getResourceAsStream("/reference/text/prompt_weighting.json")) {
            reference = new ObjectMapper().readTree(in);
        }
        for (int length : new int[] {8, 77}) {
            Path d = Files.createDirectories(dir.resolve("len" + length));
            String config = "{\"bos_token\": \"[BOS]\", \"eos_token\": \"[EOS]\", \"pad_token\": \"[PAD]\", \"unk_token\": \"[UNK]\", "
                    + "\"model_max_length\": " + length + "}";
            TOKENIZERS.put(length, ClipTokenizer.load(WordLevelFixture.write(d, WordLevelFixture.tokenizerJson(true), config)));
        }
    }

    @AfterAll
    static void close() {
        TOKENIZERS.values().forEach(ClipTokenizer::close);
    }

    /** ENCODER_A of the script: sin(0.9·id·(c+1) + 0.29·p + 0.7·c) + 0.25·cos(0.37·id·(p+1) − 0.4·c) + 0.3, width 4. */
    static double encoderA(int id, int p, int c) {
        return Math.sin(0.9 * id * (c + 1) + 0.29 * p + 0.7 * c) + 0.25 * Math.cos(0.37 * id * (p + 1) - 0.4 * c) + 0.3;
    }

    /** ENCODER_B of the script: cos(0.61·id + 0.17·p·(c+1) − 0.5·c) − 0.2·sin(0.05·p·id + c) + 0.4, width 6. */
    static double encoderB(int id, int p, int c) {
        return Math.cos(0.61 * id + 0.17 * p * (c + 1) - 0.5 * c) - 0.2 * Math.sin(0.05 * p * id + c) + 0.4;
    }

    /** A text encoder computing {@code f} per (id, position, channel) in double, rounded to float. */
    record FormulaEncoder(int width, Formula f) implements DiffusionModels.TextEncoder {
        interface Formula {
            double at(int id, int p, int c);
        }

        @Override
        public Tensor encode(int[][] ids) {
            int n = ids[0].length;
            float[] out = new float[ids.length * n * width];
            for (int b = 0; b < ids.length; b++) {
                for (int p = 0; p < n; p++) {
                    for (int c = 0; c < width; c++) out[(b * n + p) * width + c] = (float) f.at(ids[b][p], p, c);
                }
            }
            return new Tensor(out, ids.length, n, width);
        }

        @Override
        public DiffusionModels.TextStates encodeStates(int[][] ids, int fromEnd) {
            return new DiffusionModels.TextStates(encode(ids), Tensor.zeros(ids.length, 3));
        }
    }

    @TestFactory
    Stream<DynamicTest> windowsWeightsAndStatesMatchA1111() {
        assertEquals("AUTOMATIC1111/stable-diffusion-webui", reference.get("source").get("repository").asText());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : reference.get("cases")) {
            String prompt = c.get("prompt").asText();
            int length = c.get("length").intValue();
            tests.add(DynamicTest.dynamicTest("#" + tests.size() + " (" + length + ") '" + PromptAttention.quote(prompt) + "'", () -> {
                ClipTokenizer tokenizer = TOKENIZERS.get(length);
                TokenizedPrompt t = tokenizer.tokenize(prompt, 1);
                int[][] tokens = ints(c.get("tokens"));
                assertEquals(tokens.length, t.windowCount(), "windows");
                for (int w = 0; w < tokens.length; w++) {
                    assertArrayEquals(tokens[w], t.windows()[w], "ids of window " + w);
                    // A1111's multipliers as torch holds them (float32): equal bit for bit.
                    assertArrayEquals(floats(c.get("multipliers").get(w)), t.weights()[w], "weights of window " + w);
                }

                // SD 1.x/2.x: PromptEncoder, as the prompt and as the negative prompt.
                float[] expectedA = flat(c.get("a"));
                PromptEmbeddings asPrompt = new PromptEncoder(new FormulaEncoder(4, PromptWeightingReferenceTest::encoderA), tokenizer)
                        .encode(prompt, null, false);
                assertClose(expectedA, asPrompt.cond(), "prompt states");
                PromptEmbeddings asNegative = new PromptEncoder(new FormulaEncoder(4, PromptWeightingReferenceTest::encoderA), tokenizer)
                        .encode("", prompt, true);
                assertClose(expectedA, asNegative.uncond(), "negative prompt states");

                // SDXL: each encoder weighted on its own, then side by side.
                SdxlConditioner sdxl = new SdxlConditioner(new FormulaEncoder(4, PromptWeightingReferenceTest::encoderA), tokenizer,
                        new FormulaEncoder(6, PromptWeightingReferenceTest::encoderB), tokenizer, false);
                Conditioning cond = sdxl.condition(new Conditioner.TextRequest(prompt, "", 1.0, 64, 64));
                assertClose(flat(c.get("sdxl")), cond.encoderHiddenStates(), "SDXL states");
                Conditioning guided = sdxl.condition(new Conditioner.TextRequest("", prompt, 7.0, 64, 64));
                Tensor uncond = guided.encoderHiddenStates().batchItem(0);
                assertClose(flat(c.get("sdxl")), uncond, "SDXL negative prompt states");
            }));
        }
        return tests.stream();
    }

    private static void assertClose(float[] expected, Tensor actual, String what) {
        assertEquals(expected.length, actual.size(), what + ": size of " + actual);
        float[] a = actual.data();
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - a[i]) > ABSOLUTE + RELATIVE * Math.abs(expected[i])) {
                throw new AssertionError(what + " at " + i + ": expected " + expected[i] + ", got " + a[i]);
            }
        }
    }

    private static int[][] ints(JsonNode rows) {
        int[][] out = new int[rows.size()][];
        for (int r = 0; r < out.length; r++) {
            JsonNode row = rows.get(r);
            out[r] = new int[row.size()];
            for (int i = 0; i < out[r].length; i++) out[r][i] = row.get(i).intValue();
        }
        return out;
    }

    private static float[] floats(JsonNode row) {
        float[] out = new float[row.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) row.get(i).doubleValue();
        return out;
    }

    private static float[] flat(JsonNode rows) {
        List<Float> all = new ArrayList<>();
        for (JsonNode row : rows) for (JsonNode v : row) all.add((float) v.doubleValue());
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) out[i] = all.get(i);
        assertTrue(out.length > 0);
        return out;
    }
}
