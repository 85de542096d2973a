package dev.emergence.engine.text;

import dev.emergence.engine.model.ModelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad tokenizer folders give one-line messages naming the file and what was expected. */
class TokenizerFolderErrorsTest {
    private static final String TINY_VOCAB = "{\"a\": 0, \"b\": 1, \"ab</w>\": 2, \"<|startoftext|>\": 3, \"<|endoftext|>\": 4}";

    private static String failure(Path dir) {
        ModelException e = assertThrows(ModelException.class, () -> ClipTokenizer.load(dir).close());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "'" + message + "' should mention " + p);
    }

    @Test
    void notAFolder(@TempDir Path dir) {
        assertMentions(failure(dir.resolve("nope")), "nope", "expected a tokenizer folder");
    }

    @Test
    void emptyFolder(@TempDir Path dir) {
        assertMentions(failure(dir), dir.toString(), "tokenizer.json", "vocab.json and merges.txt");
    }

    @Test
    void vocabWithoutMerges(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vocab.json"), TINY_VOCAB);
        assertMentions(failure(dir), "merges.txt", "missing");
    }

    @Test
    void vocabNotJson(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0,");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b</w>\n");
        assertMentions(failure(dir), "vocab.json", "cannot be read as JSON");
    }

    @Test
    void vocabNotAnObject(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vocab.json"), "[\"a\", \"b\"]");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b</w>\n");
        assertMentions(failure(dir), "vocab.json", "expected a JSON object mapping each token to its integer id");
    }

    @Test
    void vocabWithNonIntegerId(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0, \"b\": \"one\"}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b</w>\n");
        assertMentions(failure(dir), "vocab.json", "integer id for token 'b'");
    }

    @Test
    void mergesWithBadLine(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vocab.json"), TINY_VOCAB);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b</w>\na b c\n");
        assertMentions(failure(dir), "merges.txt", "line 3", "two tokens");
    }

    @Test
    void specialTokenNotInVocabulary(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vocab.json"), TINY_VOCAB);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b</w>\n");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\"}");
        assertMentions(failure(dir), "tokenizer_config.json", "bos_token '<s>'", "vocab.json");
    }

    @Test
    void specialTokenOfWrongType(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vocab.json"), TINY_VOCAB);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b</w>\n");
        Files.writeString(dir.resolve("special_tokens_map.json"), "{\"eos_token\": 4}");
        assertMentions(failure(dir), "special_tokens_map.json", "eos_token", "string or {\"content\"");
    }

    @Test
    void configNotJson(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vocab.json"), TINY_VOCAB);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b</w>\n");
        Files.writeString(dir.resolve("tokenizer_config.json"), "model_max_length = 77");
        assertMentions(failure(dir), "tokenizer_config.json", "cannot be read as JSON");
    }

    @Test
    void tokenizerJsonNotATokenizer(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"hello\": \"world\"}");
        assertMentions(failure(dir), "tokenizer.json", "\"model\"");
    }

    @Test
    void tokenizerJsonTheLibraryRejects(@TempDir Path dir) throws Exception {
        var json = WordLevelFixture.tokenizerJson(true);
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("model")).put("type", "NoSuchModel");
        WordLevelFixture.write(dir, json, null);
        assertMentions(failure(dir), "tokenizer.json", "not a tokenizer the Hugging Face tokenizers library accepts");
    }

    @Test
    void tokenizerJsonWithoutStartOrEnd(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), """
                {"version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": {"type": "Whitespace"},
                 "post_processor": null, "decoder": null,
                 "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "a": 1}, "unk_token": "[UNK]"}}
                """);
        assertMentions(failure(dir), "tokenizer.json", "start token", "bos_token and eos_token");
    }

    @Test
    void modelMaxLengthNonsense(@TempDir Path dir) throws Exception {
        WordLevelFixture.write(dir, WordLevelFixture.tokenizerJson(true), "{\"model_max_length\": 2}");
        assertMentions(failure(dir), "tokenizer_config.json", "model_max_length");
    }

    /** A file of {@code bytes} bytes that takes no disk space: sizes are checked with Files.size, before reading. */
    private static void sparse(Path file, long bytes) throws Exception {
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(bytes);
        }
    }

    @Test
    void hugeTokenizerJsonIsRefusedUnread(@TempDir Path dir) throws Exception {
        sparse(dir.resolve("tokenizer.json"), 2_500_000_000L);
        assertMentions(failure(dir), dir.resolve("tokenizer.json") + ": 2500000000 bytes is too large; expected at most 67108864 bytes (64 MiB)");
    }

    @Test
    void hugeVocabOrMergesAreRefusedUnread(@TempDir Path dir) throws Exception {
        sparse(dir.resolve("vocab.json"), (64L << 20) + 1);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b</w>\n");
        assertMentions(failure(dir), "vocab.json: 67108865 bytes is too large; expected at most 67108864 bytes (64 MiB)");
        Files.writeString(dir.resolve("vocab.json"), TINY_VOCAB);
        sparse(dir.resolve("merges.txt"), 3_000_000_000L);
        assertMentions(failure(dir), "merges.txt: 3000000000 bytes is too large; expected at most 67108864 bytes");
    }

    @Test
    void hugeConfigIsRefusedUnread(@TempDir Path dir) throws Exception {
        WordLevelFixture.write(dir, WordLevelFixture.tokenizerJson(true), null);
        sparse(dir.resolve("special_tokens_map.json"), (1L << 20) + 1);
        assertMentions(failure(dir), "special_tokens_map.json: 1048577 bytes is too large; expected at most 1048576 bytes (1 MiB)");
    }

    /** transformers writes VERY_LARGE_INTEGER = int(1e30) when a tokenizer has no length limit: CLIP's 77 is used. */
    @Test
    void transformersNoLimitPlaceholderMeansClipsLength(@TempDir Path dir) throws Exception {
        WordLevelFixture.write(dir, WordLevelFixture.tokenizerJson(true), "{\"model_max_length\": 1000000000000000019884624838656}");
        try (ClipTokenizer t = ClipTokenizer.load(dir)) {
            assertTrue(t.maxLength() == 77, "length " + t.maxLength());
        }
    }

    @Test
    void modelMaxLengthPastTheBoundOrNotANumberIsRefused(@TempDir Path dir) throws Exception {
        for (String bad : new String[] {"5000", "1000000000000", "-77", "77.5", "NaN", "\"77\""}) {
            WordLevelFixture.write(dir, WordLevelFixture.tokenizerJson(true), "{\"model_max_length\": " + bad + "}");
            assertMentions(failure(dir), "tokenizer_config.json: model_max_length is " + bad,
                    "expected a whole number of positions from 3 to 1024");
        }
    }
}
