package dev.emergence.engine.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link A1111Parameters#parse} against AUTOMATIC1111's own parse_generation_parameters. The expected
 * results in {@code reference/infotext/infotext_cases.json} came from running
 * modules/infotext_utils.py of stable-diffusion-webui (commit c19d0443, the file's version of
 * 1.10) under Python 3.11 through {@code engine/tools/reference/make_infotext_refs.py}, on tricky
 * infotexts: Windows and lone carriage returns, no-break spaces and other Unicode whitespace at line
 * ends, control characters, quoted values with commas and escapes, keys and digits outside ASCII.
 * The file also holds which characters Python's re counts as \w and \s and which str.strip()
 * removes, checked here against {@link PythonText}.
 */
class A1111ParametersReferenceTest {
    private static final JsonNode REF = load();
    /** The entries the record has fields for, as parse_generation_parameters names them. */
    private static final Set<String> FIELDS = Set.of("Prompt", "Negative prompt", "Steps", "Sampler", "CFG scale", "Seed",
            "Size-1", "Size-2", "Model", "Denoising strength");
    /** re_imagesize, ^(\d+)x(\d+)$, as Python matches a str: any decimal digits, $ also before a final '\n'. */
    private static final Pattern IMAGE_SIZE = Pattern.compile("(\\p{Nd}+)x(\\p{Nd}+)\n?");

    private static JsonNode load() {
        try (InputStream in = A1111ParametersReferenceTest.class.getResourceAsStream("/reference/infotext/infotext_cases.json")) {
            assertNotNull(in, "missing reference/infotext/infotext_cases.json");
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @TestFactory
    Stream<DynamicTest> readsEveryInfotextAsAutomatic1111Does() {
        assertTrue(REF.get("cases").size() >= 25);
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : REF.get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> replay(c.get("text").asText(), c.get("parsed"))));
        }
        return tests.stream();
    }

    private static void replay(String text, JsonNode parsed) {
        Map<String, String> expected = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = parsed.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode dflt = REF.get("defaults").get(e.getKey());
            // Entries AUTOMATIC1111 fills in when the text lacks them are not read from it.
            if (dflt != null && dflt.equals(e.getValue()) && !mentions(text, e.getKey())) continue;
            expected.put(e.getKey(), e.getValue().asText());
        }
        if (!readable(expected)) {
            assertThrows(IllegalArgumentException.class, () -> A1111Parameters.parse(text), "A1111 read " + expected);
            return;
        }
        A1111Parameters p = A1111Parameters.parse(text);
        assertEquals(expected.get("Prompt"), p.prompt(), "Prompt");
        assertEquals(expected.get("Negative prompt"), p.negativePrompt(), "Negative prompt");
        assertEquals(expected.get("Sampler"), p.sampler(), "Sampler");
        assertEquals(Long.parseLong(PythonText.strip(expected.get("Steps"))), p.steps(), "Steps");
        assertEquals(Double.parseDouble(PythonText.strip(expected.get("CFG scale"))), p.cfgScale(), "CFG scale");
        assertEquals(Long.parseLong(PythonText.strip(expected.get("Seed"))), p.seed(), "Seed");
        assertEquals(Integer.parseInt(expected.get("Size-1")), p.width(), "width");
        assertEquals(Integer.parseInt(expected.get("Size-2")), p.height(), "height");
        assertEquals(expected.get("Model"), p.model(), "Model");
        String strength = expected.get("Denoising strength");
        assertEquals(strength == null ? null : Double.parseDouble(strength), p.denoisingStrength(), "Denoising strength");

        // Every other entry, with values of the form WxH split into "-1" and "-2" as A1111 splits them.
        Map<String, String> others = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : p.extra().entrySet()) {
            Matcher m = IMAGE_SIZE.matcher(e.getValue());
            if (m.matches()) {
                others.put(e.getKey() + "-1", m.group(1));
                others.put(e.getKey() + "-2", m.group(2));
            } else {
                others.put(e.getKey(), e.getValue());
            }
        }
        Map<String, String> expectedOthers = new LinkedHashMap<>(expected);
        expectedOthers.keySet().removeAll(FIELDS);
        assertEquals(expectedOthers, others, "the other entries");
    }

    /** Whether the key is written in the text at all (then even a default value was read from it). */
    private static boolean mentions(String text, String key) {
        String base = key.endsWith("-1") || key.endsWith("-2") ? key.substring(0, key.length() - 2) : key;
        return text.contains(base + ":");
    }

    /** Whether the engine can make a request of it: Steps, Sampler, CFG scale, Seed and a WxH Size, all numbers. */
    private static boolean readable(Map<String, String> r) {
        if (!r.keySet().containsAll(List.of("Steps", "Sampler", "CFG scale", "Seed", "Size-1", "Size-2"))) return false;
        try {
            Long.parseLong(PythonText.strip(r.get("Steps")));
            Long.parseLong(PythonText.strip(r.get("Seed")));
            Double.parseDouble(PythonText.strip(r.get("CFG scale")));
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Test
    void pythonsCharacterClassesCodePointByCodePoint() {
        checkRanges("python_word", PythonText::isWord);
        checkRanges("python_space", PythonText::isSpace);
        checkRanges("python_str_strip", cp -> cp <= 0xFFFF && PythonText.strip((char) cp + "a").equals("a"));
    }

    /**
     * The reference's Python has Unicode 14, Java 17 Unicode 13: characters Java does not know yet
     * are left out, and so are the few Java knows with another category (none among letters and
     * digits in use; counted so the comparison cannot pass vacuously).
     */
    private static void checkRanges(String name, java.util.function.IntPredicate ours) {
        boolean[] python = new boolean[0x110000];
        for (JsonNode r : REF.get(name)) for (int cp = r.get(0).asInt(); cp <= r.get(1).asInt(); cp++) python[cp] = true;
        int compared = 0, pythonTrue = 0;
        List<String> differ = new ArrayList<>();
        for (int cp = 0; cp < python.length; cp++) {
            if (Character.getType(cp) == Character.UNASSIGNED) continue;
            compared++;
            if (python[cp]) pythonTrue++;
            if (python[cp] != ours.test(cp)) differ.add(String.format("U+%04X", cp));
        }
        assertTrue(compared > 100_000 && pythonTrue > 0, name + ": compared " + compared);
        assertEquals(List.of(), differ, name + ": code points where Python and PythonText disagree");
    }
}
