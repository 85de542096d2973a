package dev.emergence.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class A1111ParametersTest {

    /** The example in the docstring of AUTOMATIC1111's parse_generation_parameters (modules/infotext_utils.py). */
    private static final String A1111_DOCSTRING_EXAMPLE = """
            girl with an artist's beret, determined, blue eyes, desert scene, computer monitors, heavy makeup, by Alphonse Mucha and Charlie Bowater, ((eyeshadow)), (coquettish), detailed, intricate
            Negative prompt: ugly, fat, obese, chubby, (((deformed))), [blurry], bad anatomy, disfigured, poorly drawn face, mutation, mutated, (extra_limb), (ugly), (poorly drawn hands), messy drawing
            Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 965400086, Size: 512x512, Model hash: 45dee52b""";

    private static LinkedHashMap<String, String> map(String... kv) {
        LinkedHashMap<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void formatsAsCreateInfotext() {
        A1111Parameters p = new A1111Parameters("a cat in a hat", "blurry", 20, "Euler a", 7.5, 42, 512, 512, "name", 0.6, null);
        assertEquals("a cat in a hat\nNegative prompt: blurry\n"
                + "Steps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: name, Denoising strength: 0.6", p.format());
    }

    @Test
    void leavesOutEmptyNegativeModelAndStrength() {
        A1111Parameters p = new A1111Parameters("a cat", "", 30, "DPM++ 2M", 7.0, 1234567890123L, 768, 512, null, null, null);
        // Whole numbers as the web UI writes them: "CFG scale: 7".
        assertEquals("a cat\nSteps: 30, Sampler: DPM++ 2M, CFG scale: 7, Seed: 1234567890123, Size: 768x512", p.format());
        // An empty prompt: create_infotext's final strip() removes the leading newline.
        assertEquals("Steps: 30, Sampler: DPM++ 2M, CFG scale: 7, Seed: 1234567890123, Size: 768x512",
                new A1111Parameters("", null, 30, "DPM++ 2M", 7.0, 1234567890123L, 768, 512, "", null, null).format());
    }

    @Test
    void parsesA1111sOwnExampleAndWritesItBackIdentically() {
        A1111Parameters p = A1111Parameters.parse(A1111_DOCSTRING_EXAMPLE);
        assertEquals(20, p.steps());
        assertEquals("Euler a", p.sampler());
        assertEquals(7.0, p.cfgScale());
        assertEquals(965400086L, p.seed());
        assertEquals(512, p.width());
        assertEquals(512, p.height());
        assertNull(p.model());
        assertNull(p.denoisingStrength());
        assertEquals(map("Model hash", "45dee52b"), p.extra());
        assertEquals("ugly, fat, obese, chubby, (((deformed))), [blurry], bad anatomy, disfigured, poorly drawn face, "
                + "mutation, mutated, (extra_limb), (ugly), (poorly drawn hands), messy drawing", p.negativePrompt());
        assertEquals(A1111_DOCSTRING_EXAMPLE, p.format());
    }

    @Test
    void parsesTheParametersPilWroteLikeA1111() throws IOException {
        // pil_text.json: the "parameters" text of pil_text.png (make_png_refs.py), an A1111 1.10-style infotext:
        // two-line prompt, quoted value with commas and colons, Schedule type after Sampler, Version last.
        String text = References.json("pil_text.json").get("parameters").asText();
        A1111Parameters p = A1111Parameters.parse(text);
        assertEquals("masterpiece, a cat in a hat\nwatercolour, soft light", p.prompt());
        assertEquals("blurry, lowres", p.negativePrompt());
        assertEquals(28, p.steps());
        assertEquals("DPM++ 2M", p.sampler());
        assertEquals(6.5, p.cfgScale());
        assertEquals(3141592653L, p.seed());
        assertEquals(512, p.width());
        assertEquals(768, p.height());
        assertEquals("v1-5-pruned-emaonly", p.model());
        assertEquals(0.55, p.denoisingStrength());
        assertEquals(map("Schedule type", "Karras", "Model hash", "6ce0161689",
                "Lora hashes", "add_detail: 7c6bad76eb54, film: 0123abcd", "Version", "v1.10.1"), p.extra());
        assertEquals(List.of("Schedule type", "Model hash", "Lora hashes", "Version"), List.copyOf(p.extra().keySet()));
        // A1111's own order puts every entry back where it was.
        assertEquals(text, p.format());
    }

    @Test
    void extraEntriesGoWhereA1111PutsThem() {
        A1111Parameters p = new A1111Parameters("p", "", 20, "DPM++ 2M", 7, 1, 512, 512, "m", 0.75,
                map("Version", "v1.10.1", "Lora hashes", "a: 1, b: 2", "Schedule type", "Karras", "Model hash", "abc", "Tiling", "True"));
        assertEquals("p\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x512, "
                + "Model hash: abc, Model: m, Denoising strength: 0.75, Tiling: True, Lora hashes: \"a: 1, b: 2\", Version: v1.10.1", p.format());
    }

    @Test
    void quotesExactlyAsJsonDumps() throws IOException {
        // a1111_quote.json: quote() = json.dumps(value, ensure_ascii=False) when the value has ',', '\n' or ':'.
        JsonNode cases = References.json("a1111_quote.json");
        for (JsonNode c : cases) {
            String value = c.get("value").asText();
            assertEquals(c.get("quoted").asText(), A1111Parameters.quote(value), value);
            assertEquals(value, A1111Parameters.unquote(A1111Parameters.quote(value)), value);
        }
    }

    @Test
    void unquoteReturnsTextThatIsNotOneJsonString() {
        // json.loads failing makes unquote return its input.
        assertEquals("\"a\" x \"b\"", A1111Parameters.unquote("\"a\" x \"b\""));
        assertEquals("\"bad \\q escape\"", A1111Parameters.unquote("\"bad \\q escape\""));
        assertEquals("\"short \\u12\"", A1111Parameters.unquote("\"short \\u12\""));
        assertEquals("snow \u2603 / x", A1111Parameters.unquote("\"snow \\u2603 \\/ x\""));
    }

    @Test
    void quotedSamplerAndModelSurviveTheRoundTrip() {
        A1111Parameters p = new A1111Parameters("line one\n  line two  ", "neg\nmore neg", 5, "Odd, sampler", 1.25, -1, 64, 64,
                "model: v2, \"final\"", 1.0, map("Note", "x\\y"));
        String text = p.format();
        assertEquals("line one\n  line two  \nNegative prompt: neg\nmore neg\n"
                + "Steps: 5, Sampler: \"Odd, sampler\", CFG scale: 1.25, Seed: -1, Size: 64x64, "
                + "Model: \"model: v2, \\\"final\\\"\", Denoising strength: 1, Note: x\\y", text);
        A1111Parameters back = A1111Parameters.parse(text);
        // Prompt lines come back stripped, as A1111 strips them.
        assertEquals("line one\nline two", back.prompt());
        assertEquals("neg\nmore neg", back.negativePrompt());
        assertEquals("Odd, sampler", back.sampler());
        assertEquals("model: v2, \"final\"", back.model());
        assertEquals(1.0, back.denoisingStrength());
        assertEquals(map("Note", "x\\y"), back.extra());
    }

    @Test
    void robustToWindowsLineEndsAndMissingNegative() {
        A1111Parameters p = A1111Parameters.parse("a red fox\r\nin snow\r\nSteps: 12, Sampler: Euler, CFG scale: 4.5, Seed: 7, Size: 640x384\r\n");
        assertEquals("a red fox\nin snow", p.prompt());
        assertEquals("", p.negativePrompt());
        assertEquals(640, p.width());
        assertEquals(384, p.height());
        assertEquals(4.5, p.cfgScale());
    }

    @Test
    void negativeOnlyText() {
        A1111Parameters p = A1111Parameters.parse("Negative prompt: text, watermark\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512");
        assertEquals("", p.prompt());
        assertEquals("text, watermark", p.negativePrompt());
        assertEquals("Negative prompt: text, watermark\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512", p.format());
    }

    @Test
    void rejectsTextWithoutUsableParameters() {
        // Fewer than three "key: value" entries on the last line: A1111 takes it as part of the prompt.
        assertThrows(IllegalArgumentException.class, () -> A1111Parameters.parse("just a prompt\nSteps: 20, Seed: 3"));
        assertEquals("the parameters line has no Seed", assertThrows(IllegalArgumentException.class,
                () -> A1111Parameters.parse("p\nSteps: 20, Sampler: Euler, CFG scale: 7, Size: 512x512")).getMessage());
        assertEquals("Steps: 'many' is not a whole number in range", assertThrows(IllegalArgumentException.class,
                () -> A1111Parameters.parse("p\nSteps: many, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 512x512")).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> A1111Parameters.parse("p\nSteps: 2, Sampler: Euler, CFG scale: 7, Seed: 1, Size: big"));
    }

    @Test
    void rejectsExtrasThatCannotBeWrittenOrCollide() {
        assertThrows(IllegalArgumentException.class, () -> new A1111Parameters("p", "", 1, "Euler", 1, 1, 8, 8, null, null, map("Seed", "2")));
        assertThrows(IllegalArgumentException.class, () -> new A1111Parameters("p", "", 1, "Euler", 1, 1, 8, 8, null, null, map("a:b", "2")));
        assertThrows(IllegalArgumentException.class, () -> new A1111Parameters("p", "", 1, null, 1, 1, 8, 8, null, null, null));
    }

    @Test
    void extraIsACopy() {
        A1111Parameters p = new A1111Parameters("p", "", 1, "Euler", 1, 1, 8, 8, null, null, map("RNG", "CPU"));
        p.extra().put("RNG", "GPU");
        assertEquals(Map.of("RNG", "CPU"), p.extra());
    }

    @Test
    void numbersLikePythonRepr() {
        assertEquals("7", A1111Parameters.number(7.0));
        assertEquals("7.5", A1111Parameters.number(7.5));
        assertEquals("0.55", A1111Parameters.number(0.55));
        assertEquals("0.30000000000000004", A1111Parameters.number(0.1 + 0.2)); // repr(0.1 + 0.2)
        assertEquals("-2.25", A1111Parameters.number(-2.25));
    }

    /** Python's \s and \w on str (checked code point by code point in A1111ParametersReferenceTest). */
    private static final String PY_SPACE = "[\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";
    private static final String PY_WORD = "[\\p{L}\\p{N}_]";

    /**
     * re_param of AUTOMATIC1111's modules/infotext_utils.py,
     * {@code \s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)}, as a backtracking regex engine
     * runs it, with Python's classes: \s and \w as above, '.' any character but '\n', $ the end or
     * just before a final '\n'.
     */
    private static final Pattern RE_PARAM = Pattern.compile(
            PY_SPACE + "*(" + PY_WORD + "[\\p{L}\\p{N}_ \\-/]+):" + PY_SPACE + "*(\"(?:\\\\[^\\n]|[^\\\\\"])+\"|[^,]*)(?:,|(?=\\n?\\z))");

    private static List<String> findall(String line) {
        List<String> out = new ArrayList<>();
        Matcher m = RE_PARAM.matcher(line);
        while (m.find()) out.add(m.group(1) + "=" + m.group(2));
        return out;
    }

    @Test
    void scannerFindsWhatA1111sRegexFinds() {
        // Short random lines over the characters the pattern cares about, where the regex is fast.
        char[] alphabet = {'a', 'B', '7', '_', ' ', ' ', ':', ',', '"', '\\', '-', '/', '\u00e9', '\u0301', '\t', '\u2028', 'x',
                '\u00a0', '\u001f', '\u0085', '\u203f', '\n', '\r'};
        Random random = new Random(1);
        for (int i = 0; i < 50_000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = random.nextInt(24);
            for (int k = 0; k < len; k++) sb.append(alphabet[random.nextInt(alphabet.length)]);
            String line = sb.toString();
            List<String> scanned = new ArrayList<>();
            for (String[] kv : InfotextScanner.entries(line)) scanned.add(kv[0] + "=" + kv[1]);
            assertEquals(findall(line), scanned, "entries of '" + line + "'");
        }
        for (String line : List.of(A1111_DOCSTRING_EXAMPLE.lines().reduce((a, b) -> b).orElseThrow(),
                "Steps: 5, Sampler: \"Odd, sampler\", Model: \"model: v2, \\\"final\\\"\", Note: x\\y",
                "k: \"unclosed, a: 1, b: \"c\" d, e: \"\\\"\"")) {
            List<String> scanned = new ArrayList<>();
            for (String[] kv : InfotextScanner.entries(line)) scanned.add(kv[0] + "=" + kv[1]);
            assertEquals(findall(line), scanned, line);
        }
    }

    /**
     * Lines on which the old regex was quadratic: after the last entry, words with no ':' make it scan
     * to the end of the line from every start position (100,000 characters took over a minute). The
     * timeout is only a safety bound, far above what linear parsing takes on a busy machine.
     */
    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void hostileParametersLinesParseInLinearTime() {
        String entries = "Steps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 512x512, ";
        for (int length : new int[] {100_000, 1_000_000}) {
            String words = "word-word/word ".repeat((length - entries.length()) / 15);
            A1111Parameters p = A1111Parameters.parse("a prompt\n" + entries + words);
            assertEquals(20, p.steps());
            assertEquals(Map.of(), p.extra());

            // One line of key characters only: no entry at all.
            String noColon = "a".repeat(length);
            assertEquals("no parameters line (\"Steps: …, Sampler: …\") found",
                    assertThrows(IllegalArgumentException.class, () -> A1111Parameters.parse(noColon)).getMessage());

            // Many quoted values that never close properly, and a huge last value.
            String quotes = entries + "k: \"\\\", ".repeat(length / 8);
            assertEquals(20, A1111Parameters.parse(quotes).steps());
            A1111Parameters big = A1111Parameters.parse(entries + "Note: " + "x".repeat(length - entries.length()));
            assertEquals(length - entries.length(), big.extra().get("Note").length());
        }
    }

    @Test
    void refusesParametersTextsOverTheBound() {
        String text = "p\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 512x512, Note: "
                + "x".repeat(A1111Parameters.MAX_TEXT_LENGTH);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> A1111Parameters.parse(text));
        assertEquals("the parameters text is " + text.length() + " characters long; expected at most 1048576", e.getMessage());
    }
}
