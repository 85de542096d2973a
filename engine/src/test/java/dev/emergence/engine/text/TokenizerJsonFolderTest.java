package dev.emergence.engine.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import static dev.emergence.engine.text.WordLevelFixture.A;
import static dev.emergence.engine.text.WordLevelFixture.BOS;
import static dev.emergence.engine.text.WordLevelFixture.CAT;
import static dev.emergence.engine.text.WordLevelFixture.COMMA;
import static dev.emergence.engine.text.WordLevelFixture.EOS;
import static dev.emergence.engine.text.WordLevelFixture.MAT;
import static dev.emergence.engine.text.WordLevelFixture.ON;
import static dev.emergence.engine.text.WordLevelFixture.PAD;
import static dev.emergence.engine.text.WordLevelFixture.RED;
import static dev.emergence.engine.text.WordLevelFixture.THE;
import static dev.emergence.engine.text.WordLevelFixture.UNK;
import static dev.emergence.engine.text.WordLevelFixture.ZURICH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A folder with only tokenizer.json (a vocabulary of its own, [UNK]-style unknown token). */
class TokenizerJsonFolderTest {

    @Test
    void specialTokensFromThePostProcessorWhenNoConfig(@TempDir Path dir) throws Exception {
        try (ClipTokenizer t = ClipTokenizer.load(WordLevelFixture.write(dir, WordLevelFixture.tokenizerJson(true), null))) {
            assertEquals(BOS, t.bosId());
            assertEquals(EOS, t.eosId());
            assertEquals(EOS, t.padId(), "no pad_token: pad with the end token, as SD 1.x");
            assertEquals(OptionalInt.of(UNK), t.unkId());
            assertEquals(77, t.maxLength());
            int[] expected = new int[77];
            java.util.Arrays.fill(expected, EOS);
            int[] head = {BOS, A, RED, CAT, EOS};
            System.arraycopy(head, 0, expected, 0, head.length);
            assertArrayEquals(expected, t.tokenize("A red CAT", 1).windows()[0]);
        }
    }

    @Test
    void specialTokensByNameWhenNeitherConfigNorPostProcessorSays(@TempDir Path dir) throws Exception {
        try (ClipTokenizer t = ClipTokenizer.load(WordLevelFixture.write(dir, WordLevelFixture.tokenizerJson(false), null))) {
            assertEquals(BOS, t.bosId());
            assertEquals(EOS, t.eosId());
        }
    }

    @Test
    void configNamesPadAndLength(@TempDir Path dir) throws Exception {
        String config = """
                {"bos_token": "[BOS]", "eos_token": {"content": "[EOS]"}, "pad_token": "[PAD]",
                 "unk_token": "[UNK]", "model_max_length": 8}
                """;
        try (ClipTokenizer t = ClipTokenizer.load(WordLevelFixture.write(dir, WordLevelFixture.tokenizerJson(false), config))) {
            assertEquals(PAD, t.padId());
            assertEquals(8, t.maxLength());
            // 11 ids, 6 per window. By the comma rule (worked as in PromptWindowsTest): "a red cat ," |
            // "on the mat ," | "a red cat".
            TokenizedPrompt p = t.tokenize("a red cat, on the mat, a red cat", 1);
            assertEquals(11, p.tokenCount());
            assertEquals(3, p.windowCount());
            assertArrayEquals(new int[] {BOS, A, RED, CAT, COMMA, EOS, PAD, PAD}, p.windows()[0]);
            assertArrayEquals(new int[] {BOS, ON, THE, MAT, COMMA, EOS, PAD, PAD}, p.windows()[1]);
            assertArrayEquals(new int[] {BOS, A, RED, CAT, EOS, PAD, PAD, PAD}, p.windows()[2]);
            TokenizedPrompt padded = t.tokenize("a red cat", 3);
            assertEquals(3, padded.windowCount());
            assertArrayEquals(new int[] {BOS, EOS, PAD, PAD, PAD, PAD, PAD, PAD}, padded.windows()[2]);
        }
    }

    @Test
    void unknownWordsAreReportedAsTyped(@TempDir Path dir) throws Exception {
        try (ClipTokenizer t = ClipTokenizer.load(WordLevelFixture.write(dir, WordLevelFixture.tokenizerJson(true), null))) {
            // "🐉" is two UTF-16 units but one code point: the words after it must still be cut right.
            String prompt = "A red \uD83D\uDC09dragon on the mat, Zürich dragon Ünïcode [UNK]";
            int[] expected = {A, RED, UNK, UNK, ON, THE, MAT, COMMA, ZURICH, UNK, UNK, UNK};
            assertArrayEquals(expected, t.encode(prompt));
            // Lower-casing makes "Zürich" known; "dragon" is reported once; "[UNK]" typed literally is
            // the special token itself, not a word the model lacks. (In a prompt, brackets are attention
            // syntax: [UNK] would be the word UNK, weighted 1/1.1; \[UNK\] is the literal text.)
            TokenizedPrompt p = t.tokenize(prompt.replace("[UNK]", "\\[UNK\\]"), 1);
            assertArrayEquals(expected, java.util.Arrays.copyOfRange(p.windows()[0], 1, 1 + expected.length));
            assertEquals(List.of("\uD83D\uDC09", "dragon", "Ünïcode"), p.unknownWords());
            assertEquals(List.of("UNK"), t.tokenize("a [UNK] cat", 1).unknownWords());
            assertEquals(List.of(), t.tokenize("a red cat on the mat", 1).unknownWords());
        }
    }

    @Test
    void nullUnkTokenInConfigFallsBackToTheModels(@TempDir Path dir) throws Exception {
        try (ClipTokenizer t = ClipTokenizer.load(WordLevelFixture.write(dir, WordLevelFixture.tokenizerJson(true), "{\"unk_token\": null}"))) {
            assertEquals(OptionalInt.of(UNK), t.unkId());
        }
    }

    @Test
    void unigramVocabularyListAndUnkId(@TempDir Path dir) throws Exception {
        // A SentencePiece-style Unigram model: the vocabulary is a list, ids are positions, unk_id names
        // the unknown piece. "▁" marks a word start (Metaspace).
        String json = """
                {"version": "1.0", "truncation": null, "padding": null,
                 "added_tokens": [
                   {"id": 0, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                   {"id": 1, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                   {"id": 2, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
                 "normalizer": null,
                 "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
                 "post_processor": null, "decoder": null,
                 "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": false, "vocab": [
                   ["<unk>", 0.0], ["<s>", 0.0], ["</s>", 0.0], ["▁a", -1.0], ["▁cat", -2.0], ["▁", -3.0]]}}
                """;
        java.nio.file.Files.writeString(dir.resolve("tokenizer.json"), json);
        try (ClipTokenizer t = ClipTokenizer.load(dir)) {
            assertEquals(1, t.bosId());
            assertEquals(2, t.eosId());
            assertEquals(OptionalInt.of(0), t.unkId());
            assertArrayEquals(new int[] {3, 4}, t.encode("a cat"));
            TokenizedPrompt p = t.tokenize("a cat xyz", 1);
            assertEquals(List.of("xyz"), p.unknownWords());
        }
    }
}
