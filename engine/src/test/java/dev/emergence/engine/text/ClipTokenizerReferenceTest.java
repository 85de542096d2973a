package dev.emergence.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * CLIP's real vocabulary (the SD 1.x tokenizer folder in ../shared/data/clip-bpe) against ids from
 * OpenAI's own tokenizer: reference/text/clip_bpe_reference.json was produced by
 * engine/tools/reference/make_tokenizer_refs.py running openai/CLIP's clip/simple_tokenizer.py.
 */
class ClipTokenizerReferenceTest {
    static final Path CLIP_BPE = Path.of("../../shared/data/clip-bpe");

    private static ClipTokenizer tokenizer;
    private static JsonNode reference;

    @BeforeAll
    static void load() throws Exception {
        if (!Files.isRegularFile(CLIP_BPE.resolve("vocab.json"))) return;
        tokenizer = ClipTokenizer.load(CLIP_BPE);
        try (InputStream in = ClipTokenizerReferenceTest.class.getResourceAsStream("/reference/text/clip_bpe_reference.json")) {
            reference = new ObjectMapper().readTree(in);
        }
    }

    @BeforeEach
    void needsSharedData() {
        // Checked per test (not in @BeforeAll) so each one is reported as skipped, with the reason.
        assumeTrue(tokenizer != null,
                "CLIP's BPE files are not in ../shared/data/clip-bpe (shared test data absent); skipping the CLIP reference tests");
    }

    @AfterAll
    static void close() {
        if (tokenizer != null) tokenizer.close();
    }

    @Test
    void specialTokensComeFromTheFolder() {
        // OpenAI's tokenizer numbers <|startoftext|>/<|endoftext|> 49406/49407 (reference file);
        // SD 1.x's tokenizer_config pads with <|endoftext|> and has 77 positions.
        assertEquals(reference.get("startOfText").intValue(), tokenizer.bosId());
        assertEquals(reference.get("endOfText").intValue(), tokenizer.eosId());
        assertEquals(reference.get("endOfText").intValue(), tokenizer.padId());
        assertEquals(reference.get("endOfText").intValue(), tokenizer.unkId().orElseThrow());
        assertEquals(77, tokenizer.maxLength());
    }

    @Test
    void aPhotoOfACat() {
        // The example of CLIP's README and diffusers' docs: [49406, 320, 1125, 539, 320, 2368, 49407] then padding.
        TokenizedPrompt t = tokenizer.tokenize("a photo of a cat", 1);
        int[] expected = new int[77];
        Arrays.fill(expected, 49407);
        int[] head = {49406, 320, 1125, 539, 320, 2368, 49407};
        System.arraycopy(head, 0, expected, 0, head.length);
        assertEquals(1, t.windowCount());
        assertArrayEquals(expected, t.windows()[0]);
        assertEquals(5, t.tokenCount());
        assertEquals(List.of(), t.unknownWords());
    }

    @TestFactory
    Stream<DynamicTest> idsMatchOpenAiTokenizer() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : reference.get("cases")) {
            String text = c.get("text").asText();
            int[] ids = ids(c.get("ids"));
            String name = text.length() > 50 ? text.substring(0, 50) + "…" : text;
            tests.add(DynamicTest.dynamicTest("'" + name.replace("\n", "\\n").replace("\t", "\\t") + "'", () -> {
                assertArrayEquals(ids, tokenizer.encode(text), "content ids of " + text);
                // A prompt with attention syntax is tokenized fragment by fragment, without the brackets
                // (PromptAttentionTest, weightedPromptKeepsTheIdsOfItsWords); the reference ids are of the text as written.
                if (!PromptAttention.isPlain(text)) return;
                assertEquals(ids.length, tokenizer.countTokens(text));
                TokenizedPrompt t = tokenizer.tokenize(text, 1);
                assertEquals(ids.length, t.tokenCount());
                assertEquals(List.of(), t.unknownWords(), "byte-level BPE has no unknown words");
                assertWindowsHold(t, ids);
            }));
        }
        return tests.stream();
    }

    @Test
    void weightedPromptKeepsTheIdsOfItsWords() {
        // "a photo of a cat" is [320, 1125, 539, 320, 2368] (aPhotoOfACat); with the syntax around its words
        // the encoder gets the same ids, each with its fragment's weight (1.3; 1/1.1 for [a cat]), the brackets
        // and the weight gone: as A1111, which tokenizes each fragment of parse_prompt_attention on its own.
        String prompt = "a (photo:1.3) of [a cat]";
        TokenizedPrompt t = tokenizer.tokenize(prompt, 1);
        assertArrayEquals(new int[] {49406, 320, 1125, 539, 320, 2368, 49407, 49407}, Arrays.copyOf(t.windows()[0], 8));
        float[] expected = new float[77];
        Arrays.fill(expected, 1f);
        expected[2] = 1.3f;
        expected[4] = (float) (1 / 1.1);
        expected[5] = (float) (1 / 1.1);
        assertArrayEquals(expected, t.weights()[0]);
        assertTrue(t.weighted());
        // The counter counts what the encoder gets: 5 tokens, where the text as written has 12 (brackets,
        // ':', '1', '.', '3' and ')' are tokens of their own).
        assertEquals(5, t.tokenCount());
        assertEquals(5, tokenizer.countTokens(prompt));
        assertEquals(1, tokenizer.countTokens("(cat:1.3)"));
        assertEquals(7, tokenizer.encode("(cat:1.3)").length);
        assertFalse(tokenizer.tokenize("a photo of a cat", 1).weighted());
    }

    @Test
    void decomposedAccentsAreNormalisedLikeComposedOnes() {
        // The reference case spells "café crème" with combining accents; NFC makes it the composed word.
        String decomposed = "cafe\u0301 cre\u0300me";
        assertTrue(reference.get("cases").toString().contains("cafe\u0301"), "reference keeps the decomposed spelling");
        assertArrayEquals(tokenizer.encode("café crème"), tokenizer.encode(decomposed));
    }

    @Test
    void longPromptBecomesThreeWindowsWithNothingLost() {
        JsonNode longCase = reference.get("cases").get(reference.get("cases").size() - 1);
        int[] ids = ids(longCase.get("ids"));
        assertTrue(ids.length >= 200, "the reference long prompt has " + ids.length + " tokens");
        TokenizedPrompt t = tokenizer.tokenize(longCase.get("text").asText(), 1);
        assertEquals(3, t.windowCount());
        assertEquals(ids.length, t.tokenCount());
        assertWindowsHold(t, ids);
        // A1111's rule worked by hand on the reference ids (",</w>" = 267 at 13, 17, ..., 69, 76, ..., 140,
        // 144, 147, ...): window 0 is full at ids 0..74 when id 75 (not a comma) arrives, and the last comma
        // is 6 back (69 ≤ 20 back), so window 0 ends after it: 70 ids. Window 1 then runs from 70 and is
        // full at 144, itself a comma, so it keeps 75 ids. The remaining 61 make window 2.
        // (A plain split would give 75, 75, 56, cutting "thick impasto brush strokes" in two.)
        int[] lengths = new int[t.windowCount()];
        for (int w = 0; w < lengths.length; w++) lengths[w] = content(t.windows()[w]).length;
        assertArrayEquals(new int[] {70, 75, 61}, lengths);
        assertEquals(267, ids[69]);
        assertEquals(267, ids[144]);
    }

    @Test
    void negativePromptIsPaddedToTheWindowsAsked() {
        TokenizedPrompt t = tokenizer.tokenize("", 3);
        assertEquals(3, t.windowCount());
        for (int[] w : t.windows()) {
            assertEquals(49406, w[0]);
            for (int i = 1; i < 77; i++) assertEquals(49407, w[i]);
        }
    }

    @Test
    void sd2FolderPadsWithExclamationMark(@TempDir Path dir) throws Exception {
        // SD 2.x exports name pad_token "!" (OpenCLIP pads with id 0); "!" is the first entry of CLIP's
        // byte alphabet, id 0 in vocab.json. Inside a prompt "!" must stay ordinary text.
        Files.createSymbolicLink(dir.resolve("vocab.json"), CLIP_BPE.resolve("vocab.json").toAbsolutePath());
        Files.createSymbolicLink(dir.resolve("merges.txt"), CLIP_BPE.resolve("merges.txt").toAbsolutePath());
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"model_max_length": 77, "do_lower_case": true,
                 "bos_token": {"content": "<|startoftext|>", "lstrip": false},
                 "eos_token": {"content": "<|endoftext|>", "lstrip": false},
                 "pad_token": "!", "unk_token": {"content": "<|endoftext|>"}}
                """);
        try (ClipTokenizer sd2 = ClipTokenizer.load(dir)) {
            assertEquals(0, sd2.padId());
            assertEquals(49406, sd2.bosId());
            assertEquals(49407, sd2.eosId());
            TokenizedPrompt t = sd2.tokenize("a photo of a cat", 2);
            int[] expected = new int[77];
            int[] head = {49406, 320, 1125, 539, 320, 2368, 49407};
            System.arraycopy(head, 0, expected, 0, head.length);
            assertArrayEquals(expected, t.windows()[0]);
            int[] empty = new int[77];
            empty[0] = 49406;
            empty[1] = 49407;
            assertArrayEquals(empty, t.windows()[1]);
            for (JsonNode c : reference.get("cases")) {
                assertArrayEquals(ids(c.get("ids")), sd2.encode(c.get("text").asText()), c.get("text").asText());
            }
        }
    }

    @Test
    void tokenizerJsonFolderGivesTheSameIds(@TempDir Path dir) throws Exception {
        // An export with only tokenizer.json (what CLIPTokenizerFast saves): here the document built
        // from the shared vocab.json + merges.txt, written out with no config beside it, so the special
        // tokens must come from the document itself (its RobertaProcessing post-processor).
        Files.writeString(dir.resolve("tokenizer.json"), TokenizerFolder.read(CLIP_BPE).tokenizerJson());
        try (ClipTokenizer fromJson = ClipTokenizer.load(dir)) {
            assertEquals(reference.get("startOfText").intValue(), fromJson.bosId());
            assertEquals(reference.get("endOfText").intValue(), fromJson.eosId());
            assertEquals(reference.get("endOfText").intValue(), fromJson.padId());
            for (JsonNode c : reference.get("cases")) {
                assertArrayEquals(ids(c.get("ids")), fromJson.encode(c.get("text").asText()), c.get("text").asText());
            }
        }
    }

    @Test
    void tokenizingIsFastAfterLoad() {
        // Under 1 ms per prompt once loaded. Best of five rounds, so that other processes on a
        // shared machine do not decide the result.
        List<String> prompts = new ArrayList<>();
        for (JsonNode c : reference.get("cases")) prompts.add(c.get("text").asText());
        for (int i = 0; i < 500; i++) tokenizer.tokenize(prompts.get(i % prompts.size()), 1);
        int n = 400;
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) tokenizer.tokenize(prompts.get(i % prompts.size()), 1);
            best = Math.min(best, (System.nanoTime() - t0) / 1e6 / n);
        }
        System.out.printf("tokenize: %.4f ms per prompt (best round of %d prompts of 0 to 206 tokens)%n", best, n);
        assertTrue(best < 1.0, "tokenizing took " + best + " ms per prompt");
    }

    /** Each window is BOS + content + EOS + padding, and the contents joined are exactly {@code ids}. */
    static void assertWindowsHold(TokenizedPrompt t, int[] ids) {
        List<Integer> joined = new ArrayList<>();
        for (int[] w : t.windows()) {
            assertEquals(tokenizer.maxLength(), w.length);
            int[] content = content(w);
            assertTrue(content.length <= 75);
            for (int id : content) joined.add(id);
        }
        assertArrayEquals(ids, joined.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The ids between BOS and the first EOS (CLIP content never contains the end token). */
    static int[] content(int[] window) {
        assertEquals(tokenizer.bosId(), window[0]);
        int end = 1;
        while (window[end] != tokenizer.eosId()) end++;
        for (int i = end + 1; i < window.length; i++) assertEquals(tokenizer.padId(), window[i]);
        return Arrays.copyOfRange(window, 1, end);
    }

    static int[] ids(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).intValue();
        return out;
    }

}
