package dev.emergence.engine.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a prompt's content ids into windows the text encoder can take (75 ids for CLIP's 77
 * positions), the way AUTOMATIC1111's webui does (modules/sd_hijack_clip.py, tokenize_line):
 * windows are filled in order, but when one is full and a comma lies within the last
 * {@code backtrack} ids, the words after that comma move to the next window, so a phrase is not
 * cut in two. Each id keeps its weight (from the attention syntax) wherever it moves. A BREAK ends
 * the window being filled, however short, even an empty one. Nothing is dropped: the windows
 * concatenated are the input.
 */
final class PromptWindows {
    /** A1111's default for its "comma padding backtrack" setting. */
    static final int DEFAULT_BACKTRACK = 20;

    private PromptWindows() {
    }

    /** Content ids of one window and their weights. */
    record Window(int[] ids, float[] weights) {
    }

    /**
     * {@link #split(int[], float[], int[], int, int, int)} without weights or breaks: the windows' ids.
     */
    static List<int[]> split(int[] ids, int capacity, int commaId, int backtrack) {
        float[] ones = new float[ids.length];
        Arrays.fill(ones, 1f);
        List<int[]> out = new ArrayList<>();
        for (Window w : split(ids, ones, new int[0], capacity, commaId, backtrack)) out.add(w.ids());
        return out;
    }

    /**
     * @param ids       content ids (no start/end tokens)
     * @param weights   one per id
     * @param breaks    where BREAKs stand: before id {@code breaks[i]} (0..ids.length), ascending, repeats allowed
     * @param capacity  ids per window (model length − 2)
     * @param commaId   the id of a lone comma, or −1 to split without looking for commas
     * @param backtrack how far back from a window's end a comma may be to break there; 0 disables it
     * @return at least one window (an empty prompt gives one empty window)
     */
    static List<Window> split(int[] ids, float[] weights, int[] breaks, int capacity, int commaId, int backtrack) {
        if (capacity < 1) throw new IllegalArgumentException("window capacity must be positive, got " + capacity);
        if (weights.length != ids.length) throw new IllegalArgumentException(weights.length + " weights for " + ids.length + " ids");
        List<Window> windows = new ArrayList<>();
        int[] chunk = new int[capacity];
        float[] mult = new float[capacity];
        int size = 0;
        int lastComma = -1;
        int b = 0;
        for (int i = 0; i <= ids.length; i++) {
            // A BREAK: A1111's next_chunk(), which ends the current window even when it is empty.
            for (; b < breaks.length && breaks[b] == i; b++) {
                windows.add(new Window(Arrays.copyOf(chunk, size), Arrays.copyOf(mult, size)));
                size = 0;
                lastComma = -1;
            }
            if (i == ids.length) break;
            int token = ids[i];
            if (commaId >= 0 && token == commaId) {
                lastComma = size;
            } else if (backtrack > 0 && size == capacity && lastComma != -1 && size - lastComma <= backtrack) {
                int breakAt = lastComma + 1;
                windows.add(new Window(Arrays.copyOf(chunk, breakAt), Arrays.copyOf(mult, breakAt)));
                int moved = size - breakAt;
                System.arraycopy(chunk, breakAt, chunk, 0, moved);
                System.arraycopy(mult, breakAt, mult, 0, moved);
                size = moved;
                lastComma = -1;
            }
            if (size == capacity) {
                windows.add(new Window(Arrays.copyOf(chunk, size), Arrays.copyOf(mult, size)));
                size = 0;
                lastComma = -1;
            }
            chunk[size] = token;
            mult[size++] = weights[i];
        }
        if (b != breaks.length) throw new IllegalArgumentException("break positions must be ascending and at most " + ids.length);
        if (size > 0 || windows.isEmpty()) {
            windows.add(new Window(Arrays.copyOf(chunk, size), Arrays.copyOf(mult, size)));
        }
        return windows;
    }

    /** start + content + end, then padding up to {@code length} positions. */
    static int[] frame(int[] content, int length, int bos, int eos, int pad) {
        if (content.length > length - 2) {
            throw new IllegalArgumentException(content.length + " ids do not fit in a window of " + length);
        }
        int[] w = new int[length];
        w[0] = bos;
        System.arraycopy(content, 0, w, 1, content.length);
        w[content.length + 1] = eos;
        Arrays.fill(w, content.length + 2, length, pad);
        return w;
    }

    /** The weights of a framed window: 1 for the start and end tokens and the padding, as A1111 gives them. */
    static float[] frameWeights(float[] content, int length) {
        if (content.length > length - 2) {
            throw new IllegalArgumentException(content.length + " weights do not fit in a window of " + length);
        }
        float[] w = new float[length];
        Arrays.fill(w, 1f);
        System.arraycopy(content, 0, w, 1, content.length);
        return w;
    }
}
