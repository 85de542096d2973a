package dev.emergence.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.text.PromptAttention.Fragment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attention syntax against AUTOMATIC1111's own parser: reference/text/prompt_attention.json was
 * written by engine/tools/reference/make_prompt_attention_refs.py, which runs parse_prompt_attention
 * of stable-diffusion-webui's modules/prompt_parser.py (the commit is recorded in the file) on each
 * prompt and keeps its fragments, or the error it raised.
 */
class PromptAttentionTest {
    private static JsonNode reference;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = PromptAttentionTest.class.getResourceAsStream("/reference/text/prompt_attention.json")) {
            reference = new ObjectMapper().readTree(in);
        }
    }

    @TestFactory
    Stream<DynamicTest> fragmentsMatchA1111() {
        assertEquals("AUTOMATIC1111/stable-diffusion-webui", reference.get("source").get("repository").asText());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : reference.get("cases")) {
            String prompt = c.get("prompt").asText();
            tests.add(DynamicTest.dynamicTest("#" + tests.size() + " '" + PromptAttention.quote(prompt) + "'", () -> {
                if (c.has("error")) {
                    // Python's float() refused the weight; the engine refuses the prompt, naming that weight.
                    String pythonSays = c.get("error").asText();
                    String weight = pythonSays.substring(pythonSays.indexOf('\'') + 1, pythonSays.lastIndexOf('\''));
                    PromptSyntaxException e = assertThrows(PromptSyntaxException.class, () -> PromptAttention.parse(prompt));
                    assertTrue(e.getMessage().contains("the weight " + weight + " is not a number"), e.getMessage());
                    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
                    return;
                }
                List<Fragment> expected = new ArrayList<>();
                for (JsonNode f : c.get("fragments")) {
                    JsonNode w = f.get(1);
                    expected.add(new Fragment(f.get(0).asText(), w.isTextual() ? Double.parseDouble(w.asText()) : w.doubleValue()));
                }
                List<Fragment> actual = PromptAttention.parse(prompt);
                assertEquals(expected.size(), actual.size(), "fragments of " + prompt + ": " + actual);
                for (int i = 0; i < expected.size(); i++) {
                    assertEquals(expected.get(i).text(), actual.get(i).text(), "text of fragment " + i + " of " + prompt);
                    // Bit for bit (NaN as NaN, −0.0 as −0.0): the weights are computed in A1111's order.
                    assertEquals(Double.doubleToLongBits(expected.get(i).weight()), Double.doubleToLongBits(actual.get(i).weight()),
                            "weight of fragment " + i + " of " + prompt + ": " + expected.get(i).weight() + " vs " + actual.get(i).weight());
                }
            }));
        }
        assertTrue(tests.size() >= 40, tests.size() + " reference cases");
        return tests.stream();
    }

    @Test
    void breakMarkersAreOnlyThoseOutsideBrackets() {
        // Reference cases "a BREAK b" (−1.0: a break) and "(a BREAK b)" (−1.1: the word, as A1111's tokenize_line treats it).
        assertTrue(PromptAttention.parse("a BREAK b").get(1).isBreak());
        Fragment inBrackets = PromptAttention.parse("(a BREAK b)").get(1);
        assertEquals("BREAK", inBrackets.text());
        assertFalse(inBrackets.isBreak());
    }

    @Test
    void badWeightNamesTheBracketAndWhere() {
        PromptSyntaxException e = assertThrows(PromptSyntaxException.class, () -> PromptAttention.parse("a cat, (b:1.2.3), c"));
        assertEquals("\"(b:1.2.3)\" at character 8: the weight 1.2.3 is not a number; expected one such as 1.2"
                + " (write \\( \\) for literal brackets)", e.getMessage());
        // A long bracket is quoted by its start and end, so the weight stays in sight.
        String longOne = "(" + "word ".repeat(40) + ":1..2)";
        String m = assertThrows(PromptSyntaxException.class, () -> PromptAttention.parse(longOne)).getMessage();
        assertTrue(m.startsWith("\"(word word word…"), m);
        assertTrue(m.contains(":1..2)\" at character 1: the weight 1..2 is not a number"), m);
    }

    @Test
    void nonFiniteWeightsAreRefusedForEncoding() {
        // The reference gives Infinity for a 400-digit weight and NaN for it times a weight of 0;
        // parse() returns them as A1111 does, parseFinite() refuses them with one line.
        String huge = "(a:" + "9".repeat(400) + ")";
        assertEquals(Double.POSITIVE_INFINITY, PromptAttention.parse(huge).get(0).weight());
        PromptSyntaxException e = assertThrows(PromptSyntaxException.class, () -> PromptAttention.parseFinite("x " + huge));
        assertEquals("the weight of \"a\" comes to Infinity; expected a finite number (a weight such as 1.2)", e.getMessage());
        assertThrows(PromptSyntaxException.class, () -> PromptAttention.parseFinite("((a:0):" + "9".repeat(400) + ")"));
        assertEquals(List.of(new Fragment("a", 1.3)), PromptAttention.parseFinite("(a:1.3)"));
    }

    @Test
    void plainPromptsNeedNoParsing() {
        assertTrue(PromptAttention.isPlain("a photo of a cat, 8k: {sharp}"));
        assertEquals(List.of(new Fragment("a photo of a cat, 8k: {sharp}", 1.0)), PromptAttention.parse("a photo of a cat, 8k: {sharp}"));
        for (String s : new String[] {"(a)", "a]", "x\\y", "a BREAK b", "BREAKFAST"}) assertFalse(PromptAttention.isPlain(s), s);
    }

    /**
     * Long prompts of each shape parse in time linear in their length: many brackets, many BREAKs
     * (each run of text is searched only up to its own end), long unbroken text, brackets left open
     * over thousands of fragments. A1111's own loop takes quadratic time on these. The timeout is a
     * safety bound far above what linear parsing takes on a busy machine.
     */
    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void longPromptsParseInLinearTime() {
        int n = 200_000;
        List<Fragment> many = PromptAttention.parse("(cat:1.3), [dog], ((bird)), ".repeat(n / 28));
        assertEquals(6 * (n / 28), many.size()); // cat, ", ", dog, ", ", bird, ", " per repeat
        assertEquals(new Fragment("cat", 1.3), many.get(0));
        assertEquals(new Fragment(", ", 1.0), many.get(1));

        List<Fragment> breaks = PromptAttention.parse("a BREAK (b) ".repeat(n / 12));
        assertEquals(4 * (n / 12) + 1, breaks.size()); // " a", BREAK, "", b per repeat, then the last " "
        assertTrue(breaks.get(1).isBreak());

        String words = "word, ".repeat(n / 6);
        assertEquals(List.of(new Fragment(words, 1.0)), PromptAttention.parse(words));

        // One bracket open over 20,000 weighted fragments: each is multiplied once more at the end.
        List<Fragment> open = PromptAttention.parse("(" + "x (y:1.5) ".repeat(20_000));
        assertEquals(40_001, open.size()); // "x ", then y and " x " per repeat, the last " " instead of " x "
        assertEquals(1.1 * 1.5, open.get(1).weight());

        // Deeply nested: 10,000 brackets around one word, closed and not.
        String deep = "(".repeat(10_000) + "a" + ")".repeat(10_000);
        assertEquals(1, PromptAttention.parse(deep).size());
        assertEquals(1, PromptAttention.parse("[".repeat(10_000) + "a").size());
    }
}
