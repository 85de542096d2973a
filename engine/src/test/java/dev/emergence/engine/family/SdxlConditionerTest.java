package dev.emergence.engine.family;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.model.DiffusionModels;
import dev.emergence.engine.tensor.Tensor;
import dev.emergence.engine.text.ClipTokenizer;
import dev.emergence.engine.text.TokenizedPrompt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SDXL's size ids for a picture that is not square. diffusers' StableDiffusionXLPipeline builds
 * them as {@code list(original_size + crops_coords_top_left + target_size)} with both sizes
 * {@code (height, width)} and the crop (0, 0) (pipeline_stable_diffusion_xl.py, _get_add_time_ids);
 * the square reference pictures cannot tell height from width, so this test does.
 */
class SdxlConditionerTest {
    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void open() throws Exception {
        tokenizer = ClipTokenizer.load(Path.of("testmodels", "tiny-sdxl", "tokenizer"));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void timeIdsAreHeightThenWidthForBothHalvesOfTheBatch() throws Exception {
        SdxlConditioner c = new SdxlConditioner(encoder(3), tokenizer, encoder(5), tokenizer, true);
        Conditioning cond = c.condition(new Conditioner.TextRequest("a cat", "", 5.0, 1216, 832));
        assertArrayEquals(new int[] {2, 6}, cond.extraInputs().get("time_ids").shape());
        assertArrayEquals(new float[] {832, 1216, 0, 0, 832, 1216, 832, 1216, 0, 0, 832, 1216}, cond.extraInputs().get("time_ids").data());
        // The empty negative prompt is zeros (force_zeros_for_empty_prompt), states and pooled alike.
        Tensor states = cond.encoderHiddenStates();
        assertArrayEquals(new int[] {2, 77, 8}, states.shape());
        for (int i = 0; i < 77 * 8; i++) assertEquals(0f, states.data()[i]);
        assertEquals(1f, states.data()[77 * 8], "the prompt's half holds encoder 1's states first");
        assertEquals(2f, states.data()[77 * 8 + 3], "then encoder 2's");
        Tensor pooled = cond.extraInputs().get("text_embeds");
        assertArrayEquals(new float[] {0, 0, 7, 7}, pooled.data(), "encoder 2's pooled output, zeros for the negative half");
    }

    @Test
    void aPromptOfMoreWindowsThanTheBoundIsRefusedBeforeEitherEncoderRuns() throws Exception {
        // BREAK starts a window: 33 words with BREAK between them take 33 windows.
        String tooMany = String.join(" BREAK ", java.util.Collections.nCopies(TokenizedPrompt.MAX_WINDOWS + 1, "cat"));
        SdxlConditioner c = new SdxlConditioner(refusing(), tokenizer, refusing(), tokenizer, true);
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> c.condition(new Conditioner.TextRequest(tooMany, "", 5.0, 1024, 1024)));
        assertEquals("prompt: its 33 tokens take 33 windows of 75; expected at most 32 windows (2400 tokens)", e.getMessage());
        e = assertThrows(InvalidRequestException.class,
                () -> c.condition(new Conditioner.TextRequest("a cat", tooMany, 5.0, 1024, 1024)));
        assertEquals("negative prompt: its 33 tokens take 33 windows of 75; expected at most 32 windows (2400 tokens)", e.getMessage());
        // At the bound it is encoded.
        String most = String.join(" BREAK ", java.util.Collections.nCopies(TokenizedPrompt.MAX_WINDOWS, "cat"));
        Conditioning cond = new SdxlConditioner(encoder(3), tokenizer, encoder(5), tokenizer, true)
                .condition(new Conditioner.TextRequest(most, "", 5.0, 1024, 1024));
        assertArrayEquals(new int[] {2, TokenizedPrompt.MAX_WINDOWS * 77, 8}, cond.encoderHiddenStates().shape());
    }

    @Test
    void clipSkipReachesAsFarBackAsTheShallowerEncoderAndNoFurther() throws Exception {
        // Encoders of 3 and 5 layers give 4 and 6 hidden states; Clip skip n takes hidden_states[-(n + 1)],
        // so the first reaches n = 3 at most (hidden_states[-4] is its embeddings' output).
        SdxlConditioner c = new SdxlConditioner(layered(3, 4), tokenizer, layered(5, 6), tokenizer, true);
        assertEquals(3, c.clipSkipLimit());
        Conditioning cond = c.condition(new Conditioner.TextRequest("a cat", "", 5.0, 1024, 1024, 3));
        assertEquals(2, cond.encoderHiddenStates().dim(0));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> c.condition(new Conditioner.TextRequest("a cat", "", 5.0, 1024, 1024, 4)));
        assertEquals("clip skip: 4 reaches past this model's text encoders (4 hidden states); expected 1 to 3", e.getMessage());
        // Encoders that export no hidden states honour only the family's own layer.
        assertEquals(1, new SdxlConditioner(encoder(3), tokenizer, encoder(5), tokenizer, true).clipSkipLimit());
    }

    /** A fake encoder with {@code states} hidden states, each asked-for layer within them. */
    private static DiffusionModels.TextEncoder layered(int width, int states) {
        return new DiffusionModels.TextEncoder() {
            @Override
            public Tensor encode(int[][] ids) {
                throw new AssertionError("SDXL conditions on hidden states, not last_hidden_state");
            }

            @Override
            public int hiddenStateCount() {
                return states;
            }

            @Override
            public DiffusionModels.TextStates encodeStates(int[][] ids, int fromEnd) {
                assertTrue(fromEnd >= 2 && fromEnd <= states, "hidden_states[-" + fromEnd + "] of " + states);
                return new DiffusionModels.TextStates(Tensor.zeros(ids.length, ids[0].length, width), Tensor.zeros(ids.length, 2));
            }
        };
    }

    private static DiffusionModels.TextEncoder refusing() {
        return ids -> {
            throw new AssertionError("a prompt past the bound reached the encoder");
        };
    }

    /** A fake encoder: every hidden state {@code width} wide and equal to 1 (width 3) or 2, pooled 7. */
    private static DiffusionModels.TextEncoder encoder(int width) {
        return new DiffusionModels.TextEncoder() {
            @Override
            public Tensor encode(int[][] ids) {
                throw new AssertionError("SDXL conditions on hidden states, not last_hidden_state");
            }

            @Override
            public DiffusionModels.TextStates encodeStates(int[][] ids, int fromEnd) {
                assertEquals(2, fromEnd, "the penultimate layer");
                Tensor h = Tensor.zeros(ids.length, ids[0].length, width);
                Arrays.fill(h.data(), width == 3 ? 1f : 2f);
                Tensor p = Tensor.zeros(ids.length, 2);
                Arrays.fill(p.data(), 7f);
                return new DiffusionModels.TextStates(h, p);
            }
        };
    }
}
