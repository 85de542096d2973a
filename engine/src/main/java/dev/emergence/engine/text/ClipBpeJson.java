package dev.emergence.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.emergence.engine.model.ModelException;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Builds, from the {@code vocab.json} + {@code merges.txt} pair of a Stable Diffusion export,
 * the tokenizer.json that Hugging Face's CLIPTokenizerFast converter produces
 * (transformers' convert_slow_tokenizer.CLIPConverter), so the Rust tokenizer behaves as CLIP's.
 */
final class ClipBpeJson {
    /** CLIP's pre-tokeniser: contractions, runs of letters, single digits, runs of other symbols. */
    static final String CLIP_SPLIT_REGEX = "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ClipBpeJson() {
    }

    /** Reads vocab.json as an ordered token → id object, checking every value is an id. */
    static ObjectNode readVocab(Path vocabFile, ObjectMapper mapper) throws ModelException {
        JsonNode node;
        try {
            node = mapper.readTree(vocabFile.toFile());
        } catch (IOException e) {
            throw new ModelException(vocabFile + ": cannot be read as JSON (" + TokenizerFolder.oneLine(e) + ")", e);
        }
        if (!(node instanceof ObjectNode obj) || obj.isEmpty()) {
            throw new ModelException(vocabFile + ": expected a JSON object mapping each token to its integer id");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber() || e.getValue().intValue() < 0) {
                throw new ModelException(vocabFile + ": expected an integer id for token '" + e.getKey() + "', found " + e.getValue());
            }
        }
        return obj;
    }

    /** Reads merges.txt: an optional "#version" line, then one "left right" pair per line. */
    static ArrayNode readMerges(Path mergesFile) throws ModelException {
        ArrayNode merges = F.arrayNode();
        try (BufferedReader r = Files.newBufferedReader(mergesFile, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (lineNo == 1 && line.startsWith("#version")) continue;
                if (line.isBlank()) continue;
                // Tokens never contain spaces (the byte-level alphabet maps space to another character).
                String[] pair = line.strip().split(" ");
                if (pair.length != 2) {
                    throw new ModelException(mergesFile + ": line " + lineNo + " should be two tokens separated by one space, found '" + line + "'");
                }
                merges.add(pair[0] + " " + pair[1]);
            }
        } catch (IOException e) {
            throw new ModelException(mergesFile + ": cannot be read (" + TokenizerFolder.oneLine(e) + ")", e);
        }
        if (merges.isEmpty()) {
            throw new ModelException(mergesFile + ": expected BPE merges (one 'left right' pair per line), found none");
        }
        return merges;
    }

    /**
     * The tokenizer.json document. {@code bos} and {@code eos} (token → id) are matched whole in the
     * text and framed around a sequence by the post-processor; {@code unkToken} is the BPE model's unknown token.
     */
    static ObjectNode build(ObjectNode vocab, ArrayNode merges, String unkToken,
                            Map.Entry<String, Integer> bos, Map.Entry<String, Integer> eos) {
        List<Map.Entry<String, Integer>> addedTokens = bos.getKey().equals(eos.getKey()) ? List.of(bos) : List.of(bos, eos);
        ObjectNode root = F.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");

        ArrayNode added = root.putArray("added_tokens");
        for (Map.Entry<String, Integer> t : addedTokens) {
            ObjectNode a = added.addObject();
            a.put("id", t.getValue());
            a.put("content", t.getKey());
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            // Matched after normalisation, as CLIPTokenizerFast does, so "<|ENDOFTEXT|>" is the token too.
            a.put("normalized", true);
            a.put("special", true);
        }

        // NFC, whitespace runs to one space, lower case: what CLIP's basic_clean/whitespace_clean/lower do.
        ObjectNode normalizer = root.putObject("normalizer");
        normalizer.put("type", "Sequence");
        ArrayNode norms = normalizer.putArray("normalizers");
        norms.addObject().put("type", "NFC");
        ObjectNode replace = norms.addObject();
        replace.put("type", "Replace");
        replace.putObject("pattern").put("Regex", "\\s+");
        replace.put("content", " ");
        norms.addObject().put("type", "Lowercase");

        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode pres = pre.putArray("pretokenizers");
        ObjectNode split = pres.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", CLIP_SPLIT_REGEX);
        // invert + Removed: keep the regex matches, drop what lies between them (the spaces).
        split.put("behavior", "Removed");
        split.put("invert", true);
        ObjectNode byteLevel = pres.addObject();
        byteLevel.put("type", "ByteLevel");
        byteLevel.put("add_prefix_space", false);
        byteLevel.put("trim_offsets", true);
        byteLevel.put("use_regex", true);

        // Unused by the engine (it frames windows itself) but kept so the document is CLIPTokenizerFast's.
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "RobertaProcessing");
        post.putArray("sep").add(eos.getKey()).add(eos.getValue());
        post.putArray("cls").add(bos.getKey()).add(bos.getValue());
        post.put("trim_offsets", false);
        post.put("add_prefix_space", false);

        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "ByteLevel");
        decoder.put("add_prefix_space", true);
        decoder.put("trim_offsets", true);
        decoder.put("use_regex", true);

        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", unkToken);
        model.put("continuing_subword_prefix", "");
        // CLIP marks the last symbol of each word with </w>, which is how word ends get their own ids.
        model.put("end_of_word_suffix", "</w>");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.set("vocab", vocab);
        model.set("merges", merges);
        return root;
    }
}
