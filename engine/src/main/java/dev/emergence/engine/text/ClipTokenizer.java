package dev.emergence.engine.text;

import ai.djl.engine.EngineException;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import dev.emergence.engine.model.ModelException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The text tokenizer of a model folder: CLIP's byte-level BPE for Stable Diffusion (from
 * tokenizer.json, or vocab.json + merges.txt), or any Hugging Face tokenizer.json with its own
 * vocabulary. Encoding runs in Hugging Face's Rust tokenizers library (through DJL); this class
 * adds the special tokens named by the folder and AUTOMATIC1111-style windowing, so prompts longer
 * than one window are encoded in full rather than cut.
 *
 * <p>For CLIP it gives the ids of Hugging Face's CLIPTokenizerFast, which are OpenAI's except
 * where OpenAI's tokenizer first repairs text with ftfy and HTML unescaping (curly quotes,
 * mojibake, "&amp;amp;"); those few inputs may differ by a token or two.
 */
public final class ClipTokenizer implements AutoCloseable {
    private static final Map<String, String> OPTIONS = Map.of(
            // Framing, truncation and padding are done here, per window.
            "addSpecialTokens", "false",
            "truncation", "false",
            "padding", "false",
            "withOverflowingTokens", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final TokenizerFolder.Special bos;
    private final TokenizerFolder.Special eos;
    private final TokenizerFolder.Special pad;
    private final TokenizerFolder.Special unk;
    private final int maxLength;
    private final int commaId;

    private ClipTokenizer(HuggingFaceTokenizer tokenizer, TokenizerFolder.Definition d) {
        this.tokenizer = tokenizer;
        this.bos = d.bos();
        this.eos = d.eos();
        this.pad = d.pad();
        this.unk = d.unk();
        this.maxLength = d.maxLength();
        // The comma A1111 prefers to break windows at, in this vocabulary's own spelling.
        int[] comma = encode(",");
        this.commaId = comma.length == 1 && (unk == null || comma[0] != unk.id()) ? comma[0] : -1;
    }

    /**
     * Loads the tokenizer of {@code tokenizerDir} (e.g. the {@code tokenizer/} folder of a Stable
     * Diffusion export).
     *
     * @throws ModelException naming the file at fault and what was expected
     */
    public static ClipTokenizer load(Path tokenizerDir) throws ModelException {
        TokenizerFolder.Definition d = TokenizerFolder.read(tokenizerDir);
        NativeTokenizers.prepare();
        HuggingFaceTokenizer hf;
        try (InputStream in = new ByteArrayInputStream(d.tokenizerJson().getBytes(StandardCharsets.UTF_8))) {
            hf = HuggingFaceTokenizer.newInstance(in, OPTIONS);
        } catch (EngineException | LinkageError e) {
            // DJL reports a library it could not find or load this way, before reading any tokenizer.
            throw new ModelException("the native Hugging Face tokenizers library could not be loaded for " + d.source()
                    + " (" + TokenizerFolder.oneLine(e) + ")", e);
        } catch (IOException | RuntimeException e) {
            throw new ModelException(d.source() + ": not a tokenizer the Hugging Face tokenizers library accepts ("
                    + TokenizerFolder.oneLine(e) + ")", e);
        }
        return new ClipTokenizer(hf, d);
    }

    public int bosId() {
        return bos.id();
    }

    public int eosId() {
        return eos.id();
    }

    public int padId() {
        return pad.id();
    }

    /** The unknown token's id, when the vocabulary has one. */
    public OptionalInt unkId() {
        return TokenizerFolder.idOf(unk);
    }

    /** Positions the text encoder takes per window, start and end tokens included (77 for CLIP). */
    public int maxLength() {
        return maxLength;
    }

    /** Content ids per window: {@link #maxLength()} − 2. */
    public int windowCapacity() {
        return maxLength - 2;
    }

    /** The content ids of {@code text}, without start or end tokens, however long. */
    public int[] encode(String text) {
        return toInts(tokenizer.encode(Objects.requireNonNull(text, "text"), false, false).getIds());
    }

    /**
     * Content tokens of a prompt, for a prompt-length counter: as the text encoder gets them, without
     * the attention syntax ({@code (cat:1.3)} counts as {@code cat}) or BREAKs.
     *
     * @throws PromptSyntaxException when the syntax cannot be read
     */
    public int countTokens(String prompt) {
        return tokenize(prompt, 1).tokenCount();
    }

    /**
     * Tokenizes a prompt into windows of {@link #maxLength()} ids, as many as its length needs and at
     * least {@code minWindows} (extra windows are empty: start, end, padding), so a negative prompt
     * can be given as many windows as the positive one.
     *
     * <p>The prompt is read with AUTOMATIC1111's attention syntax ({@link PromptAttention}): each
     * fragment is tokenized on its own and its tokens carry its weight; a BREAK ends the window.
     *
     * @throws PromptSyntaxException when the syntax cannot be read (a weight that is not a finite number)
     */
    public TokenizedPrompt tokenize(String prompt, int minWindows) {
        Objects.requireNonNull(prompt, "prompt");
        List<PromptAttention.Fragment> fragments = PromptAttention.isPlain(prompt)
                ? List.of(new PromptAttention.Fragment(prompt, 1.0)) : PromptAttention.parseFinite(prompt);
        int[] ids = new int[0];
        float[] weights = new float[0];
        int count = 0;
        int[] breaks = new int[0];
        int breakCount = 0;
        Set<String> unknown = new LinkedHashSet<>();
        for (PromptAttention.Fragment f : fragments) {
            if (f.isBreak()) {
                if (breakCount == breaks.length) breaks = Arrays.copyOf(breaks, Math.max(4, breakCount * 2));
                breaks[breakCount++] = count;
                continue;
            }
            if (f.text().isEmpty()) continue;
            Encoding enc = tokenizer.encode(f.text(), false, false);
            int[] part = toInts(enc.getIds());
            if (count + part.length > ids.length) {
                int grown = Math.max(count + part.length, ids.length * 2);
                ids = Arrays.copyOf(ids, grown);
                weights = Arrays.copyOf(weights, grown);
            }
            System.arraycopy(part, 0, ids, count, part.length);
            // As A1111 passes them to torch: Python floats become float32 multipliers.
            Arrays.fill(weights, count, count + part.length, (float) f.weight());
            count += part.length;
            unknown.addAll(unknownWords(f.text(), enc, part));
        }
        ids = Arrays.copyOf(ids, count);
        weights = Arrays.copyOf(weights, count);
        List<PromptWindows.Window> content = PromptWindows.split(ids, weights, Arrays.copyOf(breaks, breakCount),
                windowCapacity(), commaId, PromptWindows.DEFAULT_BACKTRACK);
        int windowCount = Math.max(content.size(), minWindows);
        int[][] windows = new int[windowCount][];
        float[][] windowWeights = new float[windowCount][];
        for (int i = 0; i < windowCount; i++) {
            PromptWindows.Window c = i < content.size() ? content.get(i) : new PromptWindows.Window(new int[0], new float[0]);
            windows[i] = PromptWindows.frame(c.ids(), maxLength, bos.id(), eos.id(), pad.id());
            windowWeights[i] = PromptWindows.frameWeights(c.weights(), maxLength);
        }
        return new TokenizedPrompt(windows, windowWeights, count, new ArrayList<>(unknown));
    }

    /** The prompt's words that contain an unknown-token id; the unknown token typed literally is not one. */
    private List<String> unknownWords(String prompt, Encoding enc, int[] ids) {
        if (unk == null) return List.of();
        boolean any = false;
        for (int id : ids) any |= id == unk.id();
        if (!any) return List.of();
        long[] wordIds = enc.getWordIds();
        CharSpan[] spans = enc.getCharTokenSpans();
        // The library counts offsets in code points; Java strings index UTF-16 units.
        int[] charIndex = codePointToCharIndex(prompt);
        // word id → [start, end) over all its tokens, for the words that have an unknown token
        Map<Long, int[]> words = new LinkedHashMap<>();
        Set<Long> unknown = new LinkedHashSet<>();
        for (int i = 0; i < ids.length; i++) {
            CharSpan span = spans[i];
            if (span == null) continue;
            int start = charIndex[Math.max(0, Math.min(span.getStart(), charIndex.length - 1))];
            int end = Math.max(start, charIndex[Math.max(0, Math.min(span.getEnd(), charIndex.length - 1))]);
            long word = wordIds[i] >= 0 ? wordIds[i] : -1 - i;
            int[] range = words.computeIfAbsent(word, w -> new int[] {start, end});
            range[0] = Math.min(range[0], start);
            range[1] = Math.max(range[1], end);
            if (ids[i] == unk.id() && !prompt.substring(start, end).equalsIgnoreCase(unk.token())) {
                unknown.add(word);
            }
        }
        Set<String> out = new LinkedHashSet<>();
        for (Long w : unknown) {
            int[] r = words.get(w);
            String text = prompt.substring(r[0], r[1]).strip();
            if (!text.isEmpty()) out.add(text);
        }
        return new ArrayList<>(out);
    }

    /** index i → the UTF-16 index of code point i, with one extra entry for the end of the string. */
    private static int[] codePointToCharIndex(String s) {
        int n = s.codePointCount(0, s.length());
        int[] map = new int[n + 1];
        int c = 0;
        for (int i = 0; i < n; i++) {
            map[i] = c;
            c += Character.charCount(s.codePointAt(c));
        }
        map[n] = s.length();
        return map;
    }

    private static int[] toInts(long[] ids) {
        return Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
