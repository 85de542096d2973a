package dev.emergence.engine.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A small tokenizer.json-only folder, like the default model's own tokenizer: a WordLevel
 * vocabulary of whole words with [UNK], lower-casing, whitespace/punctuation pre-tokenisation.
 * The ids are fixed here so tests can state expected windows by hand.
 */
final class WordLevelFixture {
    static final int UNK = 0, BOS = 1, EOS = 2, PAD = 3, COMMA = 4, A = 5, RED = 6, CAT = 7, ON = 8, THE = 9, MAT = 10, ZURICH = 11;
    static final List<String> WORDS = List.of("[UNK]", "[BOS]", "[EOS]", "[PAD]", ",", "a", "red", "cat", "on", "the", "mat", "zürich");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private WordLevelFixture() {
    }

    /** The tokenizer.json document; {@code framing} adds a TemplateProcessing post-processor naming [BOS]/[EOS]. */
    static ObjectNode tokenizerJson(boolean framing) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id : new int[] {UNK, BOS, EOS, PAD}) {
            ObjectNode a = added.addObject();
            a.put("id", id);
            a.put("content", WORDS.get(id));
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
        }
        root.putObject("normalizer").put("type", "Lowercase");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        if (framing) {
            ObjectNode post = root.putObject("post_processor");
            post.put("type", "TemplateProcessing");
            ArrayNode single = post.putArray("single");
            special(single, "[BOS]", 0);
            sequence(single, "A", 0);
            special(single, "[EOS]", 0);
            ArrayNode pair = post.putArray("pair");
            special(pair, "[BOS]", 0);
            sequence(pair, "A", 0);
            special(pair, "[EOS]", 0);
            sequence(pair, "B", 1);
            special(pair, "[EOS]", 1);
            ObjectNode specials = post.putObject("special_tokens");
            for (int id : new int[] {BOS, EOS}) {
                ObjectNode s = specials.putObject(WORDS.get(id));
                s.put("id", WORDS.get(id));
                s.putArray("ids").add(id);
                s.putArray("tokens").add(WORDS.get(id));
            }
        } else {
            root.putNull("post_processor");
        }
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < WORDS.size(); i++) vocab.put(WORDS.get(i), i);
        model.put("unk_token", "[UNK]");
        return root;
    }

    static Path write(Path dir, ObjectNode tokenizerJson, String tokenizerConfig) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), MAPPER.writeValueAsString(tokenizerJson));
        if (tokenizerConfig != null) Files.writeString(dir.resolve("tokenizer_config.json"), tokenizerConfig);
        return dir;
    }

    private static void special(ArrayNode template, String id, int typeId) {
        ObjectNode s = template.addObject().putObject("SpecialToken");
        s.put("id", id);
        s.put("type_id", typeId);
    }

    private static void sequence(ArrayNode template, String id, int typeId) {
        ObjectNode s = template.addObject().putObject("Sequence");
        s.put("id", id);
        s.put("type_id", typeId);
    }
}
