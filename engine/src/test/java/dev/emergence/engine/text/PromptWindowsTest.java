package dev.emergence.engine.text;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The windowing rule of AUTOMATIC1111's webui (modules/sd_hijack_clip.py, tokenize_line, with its
 * default comma_padding_backtrack = 20), worked by hand on small id sequences. Ids 1..n stand for
 * words; 9 is the comma.
 */
class PromptWindowsTest {
    private static final int COMMA = 9;

    @Test
    void emptyPromptIsOneEmptyWindow() {
        List<int[]> w = PromptWindows.split(new int[0], 75, COMMA, 20);
        assertEquals(1, w.size());
        assertEquals(0, w.get(0).length);
    }

    @Test
    void shortPromptIsOneWindow() {
        List<int[]> w = PromptWindows.split(new int[] {1, 2, COMMA, 3}, 75, COMMA, 20);
        assertEquals(1, w.size());
        assertArrayEquals(new int[] {1, 2, COMMA, 3}, w.get(0));
    }

    @Test
    void exactlyFullWindowDoesNotSpill() {
        int[] ids = IntStream.range(100, 175).toArray();
        List<int[]> w = PromptWindows.split(ids, 75, COMMA, 20);
        assertEquals(1, w.size());
        assertArrayEquals(ids, w.get(0));
    }

    @Test
    void withoutCommasWindowsAreConsecutive() {
        // 160 ids in windows of 75: 75 + 75 + 10.
        int[] ids = IntStream.range(100, 260).toArray();
        List<int[]> w = PromptWindows.split(ids, 75, COMMA, 20);
        assertEquals(3, w.size());
        assertArrayEquals(IntStream.range(100, 175).toArray(), w.get(0));
        assertArrayEquals(IntStream.range(175, 250).toArray(), w.get(1));
        assertArrayEquals(IntStream.range(250, 260).toArray(), w.get(2));
    }

    @Test
    void breaksAfterACommaNearTheEnd() {
        // Capacity 10, backtrack 4: the window is full at 10 ids (1 2 3 4 5 6 , 7 8 10) when the 11th
        // (11, not a comma) comes; the comma sits at index 6, 10 − 6 = 4 ≤ 4 back, so the window ends
        // after it and 7 8 10 move on to the next window with the rest.
        int[] ids = {1, 2, 3, 4, 5, 6, COMMA, 7, 8, 10, 11, 12};
        List<int[]> w = PromptWindows.split(ids, 10, COMMA, 4);
        assertEquals(2, w.size());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, COMMA}, w.get(0));
        assertArrayEquals(new int[] {7, 8, 10, 11, 12}, w.get(1));
    }

    @Test
    void commaTooFarBackIsIgnored() {
        // Same, but the comma at index 5 is 10 − 5 = 5 > 4 back: a plain cut at 10.
        int[] ids = {1, 2, 3, 4, 5, COMMA, 6, 7, 8, 10, 11, 12};
        List<int[]> w = PromptWindows.split(ids, 10, COMMA, 4);
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, COMMA, 6, 7, 8, 10}, w.get(0));
        assertArrayEquals(new int[] {11, 12}, w.get(1));
    }

    @Test
    void commaArrivingOnAFullWindowStartsTheNext() {
        // A1111 records the comma's position, then flushes the full window: the comma opens window 2.
        int[] ids = {1, 2, 3, 4, 5, 6, 7, 8, 10, 11, COMMA, 12};
        List<int[]> w = PromptWindows.split(ids, 10, COMMA, 4);
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 10, 11}, w.get(0));
        assertArrayEquals(new int[] {COMMA, 12}, w.get(1));
    }

    @Test
    void noCommaIdOrZeroBacktrackMeansPlainSplit() {
        int[] ids = {1, 2, 3, 4, 5, 6, COMMA, 7, 8, 10, 11, 12};
        for (List<int[]> w : List.of(PromptWindows.split(ids, 10, -1, 4), PromptWindows.split(ids, 10, COMMA, 0))) {
            assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, COMMA, 7, 8, 10}, w.get(0));
            assertArrayEquals(new int[] {11, 12}, w.get(1));
        }
    }

    @Test
    void weightsMoveWithTheirIdsWhenACommaBreaksTheWindow() {
        // As breaksAfterACommaNearTheEnd; A1111 moves chunk.multipliers[break_location:] with the tokens.
        int[] ids = {1, 2, 3, 4, 5, 6, COMMA, 7, 8, 10, 11, 12};
        float[] w = {1, 1, 1, 1, 1, 1, 1, 1.5f, 1.5f, 0.5f, 2, 1};
        List<PromptWindows.Window> out = PromptWindows.split(ids, w, new int[0], 10, COMMA, 4);
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1}, out.get(0).weights());
        assertArrayEquals(new int[] {7, 8, 10, 11, 12}, out.get(1).ids());
        assertArrayEquals(new float[] {1.5f, 1.5f, 0.5f, 2, 1}, out.get(1).weights());
    }

    @Test
    void breakEndsTheWindowEvenAnEmptyOne() {
        // A1111's tokenize_line calls next_chunk() on each BREAK: the window so far is padded and closed,
        // an empty one included. At the end a window is added only if it has tokens (or none was made).
        int[] ids = {1, 2, 3};
        float[] w = {1, 1, 1};
        // "a BREAK b c": [1] [2 3]
        assertWindows(PromptWindows.split(ids, w, new int[] {1}, 10, COMMA, 20), new int[] {1}, new int[] {2, 3});
        // "BREAK a b c": [] [1 2 3]
        assertWindows(PromptWindows.split(ids, w, new int[] {0}, 10, COMMA, 20), new int[0], new int[] {1, 2, 3});
        // "a b c BREAK": [1 2 3] only
        assertWindows(PromptWindows.split(ids, w, new int[] {3}, 10, COMMA, 20), new int[] {1, 2, 3});
        // "a BREAK BREAK b c": [1] [] [2 3]
        assertWindows(PromptWindows.split(ids, w, new int[] {1, 1}, 10, COMMA, 20), new int[] {1}, new int[0], new int[] {2, 3});
        // "BREAK" alone: one empty window, then nothing more
        assertWindows(PromptWindows.split(new int[0], new float[0], new int[] {0}, 10, COMMA, 20), new int[0]);
        // A BREAK right after a window filled up: the full window is closed, no empty one follows
        // (A1111 only flushes a full chunk when the next token comes, and BREAK's next_chunk does it).
        assertWindows(PromptWindows.split(ids, w, new int[] {2}, 2, -1, 0), new int[] {1, 2}, new int[] {3});
        assertThrows(IllegalArgumentException.class, () -> PromptWindows.split(ids, w, new int[] {4}, 10, COMMA, 20));
        assertThrows(IllegalArgumentException.class, () -> PromptWindows.split(ids, w, new int[] {2, 1}, 10, COMMA, 20));
    }

    private static void assertWindows(List<PromptWindows.Window> actual, int[]... expected) {
        assertEquals(expected.length, actual.size(), "windows");
        for (int i = 0; i < expected.length; i++) assertArrayEquals(expected[i], actual.get(i).ids(), "window " + i);
    }

    @Test
    void frameWeightsAreOneOutsideTheContent() {
        assertArrayEquals(new float[] {1, 1.5f, 0.5f, 1, 1, 1}, PromptWindows.frameWeights(new float[] {1.5f, 0.5f}, 6));
        assertThrows(IllegalArgumentException.class, () -> PromptWindows.frameWeights(new float[3], 4));
    }

    @Test
    void frameAddsStartEndAndPadding() {
        assertArrayEquals(new int[] {7, 1, 2, 8, 0, 0}, PromptWindows.frame(new int[] {1, 2}, 6, 7, 8, 0));
        assertArrayEquals(new int[] {7, 1, 2, 3, 4, 8}, PromptWindows.frame(new int[] {1, 2, 3, 4}, 6, 7, 8, 0));
        assertArrayEquals(new int[] {7, 8, 8, 8}, PromptWindows.frame(new int[0], 4, 7, 8, 8));
        assertThrows(IllegalArgumentException.class, () -> PromptWindows.frame(new int[] {1, 2, 3}, 4, 7, 8, 0));
    }
}
