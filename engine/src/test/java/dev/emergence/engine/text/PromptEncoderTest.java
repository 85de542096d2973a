package dev.emergence.engine.text;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.model.DiffusionModels;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PromptEncoder with a fake text encoder whose output at each position is (token id, position in
 * window), so the embeddings show which ids went where. The tokenizer is the WordLevel fixture
 * with 8 positions per window (6 content ids), so windows are easy to write out by hand.
 */
class PromptEncoderTest {
    private static final int LENGTH = 8;
    private static final int[] EMPTY = {BOS, EOS, PAD, PAD, PAD, PAD, PAD, PAD};

    @TempDir
    static Path dir;
    private static ClipTokenizer tokenizer;

    /** Records each call; returns [B, 8, 2] with (id, position) per token. */
    static final class FakeTextEncoder implements DiffusionModels.TextEncoder {
        final List<int[][]> calls = new ArrayList<>();

        @Override
        public Tensor encode(int[][] tokenIds) {
            calls.add(tokenIds);
            float[] out = new float[tokenIds.length * LENGTH * 2];
            for (int b = 0; b < tokenIds.length; b++) {
                assertEquals(LENGTH, tokenIds[b].length);
                for (int p = 0; p < LENGTH; p++) {
                    out[(b * LENGTH + p) * 2] = tokenIds[b][p];
                    out[(b * LENGTH + p) * 2 + 1] = p;
                }
            }
            return new Tensor(out, tokenIds.length, LENGTH, 2);
        }
    }

    @BeforeAll
    static void load() throws Exception {
        String config = "{\"bos_token\": \"[BOS]\", \"eos_token\": \"[EOS]\", \"pad_token\": \"[PAD]\", \"unk_token\": \"[UNK]\", \"model_max_length\": 8}";
        tokenizer = ClipTokenizer.load(WordLevelFixture.write(dir, WordLevelFixture.tokenizerJson(true), config));
    }

    @AfterAll
    static void close() {
        if (tokenizer != null) tokenizer.close();
    }

    /** The ids a [1, k·8, 2] embedding was made from, one row per window. */
    private static int[][] windowsOf(Tensor t) {
        assertEquals(3, t.rank());
        assertEquals(1, t.dim(0));
        assertEquals(2, t.dim(2));
        int k = t.dim(1) / LENGTH;
        assertEquals(k * LENGTH, t.dim(1));
        int[][] ids = new int[k][LENGTH];
        for (int w = 0; w < k; w++) {
            for (int p = 0; p < LENGTH; p++) {
                ids[w][p] = (int) t.data()[(w * LENGTH + p) * 2];
                assertEquals(p, (int) t.data()[(w * LENGTH + p) * 2 + 1], "position within its window");
            }
        }
        return ids;
    }

    @Test
    void condOnlyWhenNoGuidance() throws Exception {
        FakeTextEncoder enc = new FakeTextEncoder();
        PromptEmbeddings e = new PromptEncoder(enc, tokenizer).encode("a red cat", "the mat", false);
        assertNull(e.uncond());
        assertFalse(e.hasUncond());
        assertEquals(1, e.windows());
        assertEquals(3, e.tokenCount());
        assertArrayEquals(new int[][] {{BOS, A, RED, CAT, EOS, PAD, PAD, PAD}}, windowsOf(e.cond()));
        assertEquals(1, enc.calls.size());
        assertEquals(1, enc.calls.get(0).length);
        assertTrue(e.textEncodeNanos() >= 0);
    }

    @Test
    void longPromptIsJoinedAlongTokensAndNegativeGetsEmptyWindows() throws Exception {
        FakeTextEncoder enc = new FakeTextEncoder();
        PromptEmbeddings e = new PromptEncoder(enc, tokenizer).encode("a red cat, on the mat, a red cat", "the mat", true);
        assertEquals(3, e.windows());
        assertArrayEquals(new int[][] {
                {BOS, A, RED, CAT, COMMA, EOS, PAD, PAD},
                {BOS, ON, THE, MAT, COMMA, EOS, PAD, PAD},
                {BOS, A, RED, CAT, EOS, PAD, PAD, PAD}}, windowsOf(e.cond()));
        assertArrayEquals(new int[][] {{BOS, THE, MAT, EOS, PAD, PAD, PAD, PAD}, EMPTY, EMPTY}, windowsOf(e.uncond()));
        // One encoder call: the prompt's windows, then the negative's.
        assertEquals(1, enc.calls.size());
        assertEquals(6, enc.calls.get(0).length);
    }

    @Test
    void longNegativePadsThePrompt() throws Exception {
        PromptEmbeddings e = new PromptEncoder(new FakeTextEncoder(), tokenizer).encode("a cat", "a red cat, on the mat", true);
        assertEquals(2, e.windows());
        assertArrayEquals(new int[][] {{BOS, A, CAT, EOS, PAD, PAD, PAD, PAD}, EMPTY}, windowsOf(e.cond()));
        assertArrayEquals(new int[][] {
                {BOS, A, RED, CAT, COMMA, EOS, PAD, PAD},
                {BOS, ON, THE, MAT, EOS, PAD, PAD, PAD}}, windowsOf(e.uncond()));
        assertEquals(2, e.tokenCount());
    }

    @Test
    void nullNegativeIsTheEmptyPrompt() throws Exception {
        PromptEmbeddings e = new PromptEncoder(new FakeTextEncoder(), tokenizer).encode("a cat", null, true);
        assertArrayEquals(new int[][] {EMPTY}, windowsOf(e.uncond()));
    }

    @Test
    void unknownWordsOfBothPrompts() throws Exception {
        PromptEmbeddings e = new PromptEncoder(new FakeTextEncoder(), tokenizer).encode("a dragon on the mat", "ugly dragon, goblin", true);
        assertEquals(List.of("dragon", "ugly", "goblin"), e.unknownWords());
    }

    @Test
    void aPromptOfMoreWindowsThanTheBoundIsRefusedBeforeTheEncoderRuns() throws Exception {
        // 6 content ids a window here: the bound is 32 windows, 192 ids.
        String longest = "a ".repeat(TokenizedPrompt.MAX_WINDOWS * 6).strip();
        FakeTextEncoder enc = new FakeTextEncoder();
        PromptEmbeddings e = new PromptEncoder(enc, tokenizer).encode(longest, longest, true);
        assertEquals(TokenizedPrompt.MAX_WINDOWS, e.windows());

        FakeTextEncoder refused = new FakeTextEncoder();
        InvalidRequestException ex = assertThrows(InvalidRequestException.class,
                () -> new PromptEncoder(refused, tokenizer).encode(longest + " a", "", true));
        assertEquals("prompt: its 193 tokens take 33 windows of 6; expected at most 32 windows (192 tokens)", ex.getMessage());
        ex = assertThrows(InvalidRequestException.class,
                () -> new PromptEncoder(refused, tokenizer).encode("a cat", longest + " a", true));
        assertEquals("negative prompt: its 193 tokens take 33 windows of 6; expected at most 32 windows (192 tokens)", ex.getMessage());
        // BREAK starts a window: 33 words with BREAK between them are 33 windows too.
        String breaks = String.join(" BREAK ", java.util.Collections.nCopies(TokenizedPrompt.MAX_WINDOWS + 1, "cat"));
        ex = assertThrows(InvalidRequestException.class, () -> new PromptEncoder(refused, tokenizer).encode(breaks, "", false));
        assertEquals("prompt: its 33 tokens take 33 windows of 6; expected at most 32 windows (192 tokens)", ex.getMessage());
        assertEquals(0, refused.calls.size(), "nothing was encoded");
        // Without guidance the negative prompt is not encoded, so its length does not matter.
        assertEquals(1, new PromptEncoder(refused, tokenizer).encode("a cat", longest + " a", false).windows());
    }

    @Test
    void encoderOutputOfWrongShapeIsAModelException() {
        DiffusionModels.TextEncoder wrong = ids -> Tensor.zeros(ids.length, 77, 768);
        ModelException ex = assertThrows(ModelException.class,
                () -> new PromptEncoder(wrong, tokenizer).encode("a cat", "", true));
        assertTrue(ex.getMessage().startsWith("text encoder:"), ex.getMessage());
        assertTrue(ex.getMessage().contains("[2, 8, D]"), ex.getMessage());
    }
}
