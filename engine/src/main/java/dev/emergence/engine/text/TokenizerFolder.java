package dev.emergence.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.emergence.engine.model.JsonFiles;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.model.ModelLimits;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Reads a tokenizer folder: the tokenizer.json to hand to the Rust library (as found, or built from
 * vocab.json + merges.txt) and the special tokens, named by tokenizer_config.json /
 * special_tokens_map.json and resolved to ids through the folder's own vocabulary.
 */
final class TokenizerFolder {
    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String VOCAB_JSON = "vocab.json";
    static final String MERGES_TXT = "merges.txt";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";

    /** CLIP's context length; the default when the folder does not say, or says "no limit". */
    static final int DEFAULT_MAX_LENGTH = ModelLimits.DEFAULT_TEXT_LENGTH;

    /** Well-known spellings, tried only when neither the config nor the post-processor names a token. */
    private static final List<String> BOS_NAMES = List.of("<|startoftext|>", "<s>", "[CLS]", "<bos>", "[BOS]", "<|bos|>");
    private static final List<String> EOS_NAMES = List.of("<|endoftext|>", "</s>", "[SEP]", "<eos>", "[EOS]", "<|eos|>");

    /** A special token and its id. */
    record Special(String token, int id) {
    }

    /** What {@link ClipTokenizer} needs from the folder. */
    record Definition(Path source, String tokenizerJson, Special bos, Special eos, Special pad, Special unk, int maxLength) {
    }

    private final Path dir;
    /** The engine's one reader of model files (it accepts the NaN and Infinity Python's json writes). */
    private final ObjectMapper mapper = JsonFiles.mapper();
    /** Special-token names from the config files, by key (bos_token, ...), and where each came from. */
    private final Map<String, String> configTokens = new HashMap<>();
    private final Map<String, Path> configSource = new HashMap<>();
    private Integer configMaxLength;

    private TokenizerFolder(Path dir) {
        this.dir = dir;
    }

    static Definition read(Path dir) throws ModelException {
        if (!Files.isDirectory(dir)) {
            throw new ModelException(dir + ": expected a tokenizer folder with tokenizer.json, or vocab.json and merges.txt");
        }
        TokenizerFolder f = new TokenizerFolder(dir);
        // transformers lets special_tokens_map.json override tokenizer_config.json, so it is read second.
        f.readConfig(dir.resolve(TOKENIZER_CONFIG));
        f.readConfig(dir.resolve(SPECIAL_TOKENS_MAP));
        Path json = dir.resolve(TOKENIZER_JSON);
        if (Files.isRegularFile(json)) {
            return f.fromTokenizerJson(json);
        }
        Path vocab = dir.resolve(VOCAB_JSON);
        Path merges = dir.resolve(MERGES_TXT);
        if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) {
            return f.fromVocabAndMerges(vocab, merges);
        }
        if (Files.isRegularFile(vocab)) {
            throw new ModelException(merges + ": missing; a vocab.json tokenizer needs its BPE merges beside it");
        }
        throw new ModelException(dir + ": expected tokenizer.json, or vocab.json and merges.txt, found neither");
    }

    private void readConfig(Path file) throws ModelException {
        if (!Files.isRegularFile(file)) return;
        JsonFiles.checkSize(file, file.toString(), ModelLimits.CONFIG_MAX_BYTES);
        JsonNode root;
        try {
            root = mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelException(file + ": cannot be read as JSON (" + oneLine(e) + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelException(file + ": expected a JSON object");
        }
        for (String key : List.of("bos_token", "eos_token", "pad_token", "unk_token")) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) continue;
            String token;
            if (v.isTextual()) {
                token = v.asText();
            } else if (v.isObject() && v.path("content").isTextual()) {
                token = v.get("content").asText();
            } else {
                throw new ModelException(file + ": " + key + " should be a string or {\"content\": \"...\"}, found " + v);
            }
            configTokens.put(key, token);
            configSource.put(key, file);
        }
        OptionalInt max = ModelLimits.modelMaxLength(root, file.toString());
        if (max.isPresent()) configMaxLength = max.getAsInt();
    }

    private Definition fromVocabAndMerges(Path vocabFile, Path mergesFile) throws ModelException {
        JsonFiles.checkSize(vocabFile, vocabFile.toString(), ModelLimits.TOKENIZER_MAX_BYTES);
        JsonFiles.checkSize(mergesFile, mergesFile.toString(), ModelLimits.TOKENIZER_MAX_BYTES);
        ObjectNode vocab = ClipBpeJson.readVocab(vocabFile, mapper);
        ArrayNode merges = ClipBpeJson.readMerges(mergesFile);
        Map<String, Integer> ids = new HashMap<>(vocab.size() * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            ids.put(e.getKey(), e.getValue().intValue());
        }
        // Without a config, the token names default to those of transformers' CLIPTokenizer.
        Special bos = resolve("bos_token", configTokens.getOrDefault("bos_token", "<|startoftext|>"), ids, vocabFile);
        Special eos = resolve("eos_token", configTokens.getOrDefault("eos_token", "<|endoftext|>"), ids, vocabFile);
        Special unk = resolve("unk_token", configTokens.getOrDefault("unk_token", "<|endoftext|>"), ids, vocabFile);
        Special pad = configTokens.containsKey("pad_token") ? resolve("pad_token", configTokens.get("pad_token"), ids, vocabFile) : eos;
        // The pad token is deliberately not an added token: SD 2.x pads with "!", which must stay an
        // ordinary character inside prompts (OpenCLIP, its training tokenizer, treats it so).
        ObjectNode doc = ClipBpeJson.build(vocab, merges, unk.token(),
                Map.entry(bos.token(), bos.id()), Map.entry(eos.token(), eos.id()));
        String json;
        try {
            json = mapper.writeValueAsString(doc);
        } catch (IOException e) {
            throw new ModelException(vocabFile + ": cannot be turned into a tokenizer (" + oneLine(e) + ")", e);
        }
        return new Definition(vocabFile, json, bos, eos, pad, unk, maxLength());
    }

    private Definition fromTokenizerJson(Path file) throws ModelException {
        JsonFiles.checkSize(file, file.toString(), ModelLimits.TOKENIZER_MAX_BYTES);
        String text;
        JsonNode root;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
            root = mapper.readTree(text);
        } catch (IOException e) {
            throw new ModelException(file + ": cannot be read as JSON (" + oneLine(e) + ")", e);
        }
        if (root == null || !root.isObject() || !root.path("model").isObject()) {
            throw new ModelException(file + ": expected a Hugging Face tokenizers document with a \"model\" object");
        }
        Map<String, Integer> ids = vocabulary(file, root);

        Special bos = configured("bos_token", ids, file);
        Special eos = configured("eos_token", ids, file);
        if (bos == null || eos == null) {
            Special[] framing = framingFromPostProcessor(root.path("post_processor"), ids);
            if (bos == null) bos = framing[0];
            if (eos == null) eos = framing[1];
        }
        if (bos == null) bos = byName(BOS_NAMES, root, ids);
        if (eos == null) eos = byName(EOS_NAMES, root, ids);
        if (bos == null || eos == null) {
            throw new ModelException(file + ": cannot tell the " + (bos == null ? "start" : "end")
                    + " token: expected bos_token and eos_token in " + TOKENIZER_CONFIG + ", or a post_processor that frames the text");
        }
        Special pad = configured("pad_token", ids, file);
        if (pad == null) pad = eos;
        Special unk = configured("unk_token", ids, file);
        if (unk == null) unk = modelUnknown(root.path("model"), ids);
        return new Definition(file, text, bos, eos, pad, unk, maxLength());
    }

    private int maxLength() {
        return configMaxLength != null ? configMaxLength : DEFAULT_MAX_LENGTH;
    }

    private Special configured(String key, Map<String, Integer> ids, Path vocabFile) throws ModelException {
        String token = configTokens.get(key);
        return token == null ? null : resolve(key, token, ids, vocabFile);
    }

    private Special resolve(String key, String token, Map<String, Integer> ids, Path vocabFile) throws ModelException {
        Integer id = ids.get(token);
        if (id == null) {
            Path named = configSource.getOrDefault(key, dir);
            throw new ModelException(named + ": " + key + " '" + token + "' is not in the vocabulary of " + vocabFile.getFileName());
        }
        return new Special(token, id);
    }

    /** Token → id over the model's vocabulary and the added tokens. */
    private static Map<String, Integer> vocabulary(Path file, JsonNode root) throws ModelException {
        JsonNode model = root.get("model");
        JsonNode vocab = model.get("vocab");
        Map<String, Integer> ids = new HashMap<>();
        if (vocab instanceof ObjectNode obj) {
            // BPE, WordPiece, WordLevel: {"token": id, ...}
            for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isIntegralNumber()) {
                    throw new ModelException(file + ": model.vocab should map tokens to integer ids, found " + e.getValue() + " for '" + e.getKey() + "'");
                }
                ids.put(e.getKey(), e.getValue().intValue());
            }
        } else if (vocab instanceof ArrayNode arr) {
            // Unigram: [["piece", score], ...], the id being the position.
            for (int i = 0; i < arr.size(); i++) {
                JsonNode piece = arr.get(i).path(0);
                if (!piece.isTextual()) {
                    throw new ModelException(file + ": model.vocab entry " + i + " should be [\"piece\", score]");
                }
                ids.putIfAbsent(piece.asText(), i);
            }
        } else {
            throw new ModelException(file + ": expected model.vocab (an object of token ids, or a Unigram list)");
        }
        for (JsonNode added : root.path("added_tokens")) {
            if (added.path("content").isTextual() && added.path("id").isIntegralNumber()) {
                ids.put(added.get("content").asText(), added.get("id").intValue());
            }
        }
        return ids;
    }

    /** The tokens the post-processor puts before and after a single sequence, if it says. */
    private static Special[] framingFromPostProcessor(JsonNode post, Map<String, Integer> ids) {
        Special[] found = new Special[2];
        String type = post.path("type").asText("");
        switch (type) {
            case "RobertaProcessing", "BertProcessing" -> {
                found[0] = pairSpecial(post.path("cls"));
                found[1] = pairSpecial(post.path("sep"));
            }
            case "TemplateProcessing" -> {
                boolean seenSequence = false;
                for (JsonNode piece : post.path("single")) {
                    if (piece.has("Sequence")) {
                        seenSequence = true;
                    } else if (piece.has("SpecialToken")) {
                        String name = piece.path("SpecialToken").path("id").asText();
                        Special s = templateSpecial(post.path("special_tokens").path(name), name, ids);
                        if (s == null) continue;
                        if (!seenSequence && found[0] == null) found[0] = s;
                        if (seenSequence && found[1] == null) found[1] = s;
                    }
                }
            }
            case "Sequence" -> {
                for (JsonNode p : post.path("processors")) {
                    Special[] inner = framingFromPostProcessor(p, ids);
                    if (found[0] == null) found[0] = inner[0];
                    if (found[1] == null) found[1] = inner[1];
                }
            }
            default -> {
            }
        }
        return found;
    }

    private static Special pairSpecial(JsonNode pair) {
        if (pair.size() == 2 && pair.get(0).isTextual() && pair.get(1).isIntegralNumber()) {
            return new Special(pair.get(0).asText(), pair.get(1).intValue());
        }
        return null;
    }

    private static Special templateSpecial(JsonNode entry, String name, Map<String, Integer> ids) {
        if (entry.path("ids").size() == 1 && entry.path("ids").get(0).isIntegralNumber()) {
            String token = entry.path("tokens").path(0).asText(name);
            return new Special(token, entry.path("ids").get(0).intValue());
        }
        Integer id = ids.get(name);
        return id == null ? null : new Special(name, id);
    }

    /** A special added token with one of the usual names, in order of preference. */
    private static Special byName(List<String> names, JsonNode root, Map<String, Integer> ids) {
        for (String name : names) {
            for (JsonNode added : root.path("added_tokens")) {
                Integer id = ids.get(name);
                if (id != null && name.equals(added.path("content").asText(null)) && added.path("special").asBoolean(false)) {
                    return new Special(name, id);
                }
            }
        }
        return null;
    }

    private static Special modelUnknown(JsonNode model, Map<String, Integer> ids) {
        JsonNode unkToken = model.get("unk_token");
        if (unkToken != null && unkToken.isTextual()) {
            Integer id = ids.get(unkToken.asText());
            return id == null ? null : new Special(unkToken.asText(), id);
        }
        JsonNode unkId = model.get("unk_id");
        if (unkId != null && unkId.isIntegralNumber()) {
            int id = unkId.intValue();
            String token = model.path("vocab").path(id).path(0).asText("");
            return new Special(token, id);
        }
        return null;
    }

    static OptionalInt idOf(Special s) {
        return s == null ? OptionalInt.empty() : OptionalInt.of(s.id());
    }

    /** A throwable's message on one line, for messages shown to users. */
    static String oneLine(Throwable t) {
        return JsonFiles.oneLine(t);
    }
}
