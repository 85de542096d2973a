package dev.emergence.engine.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a prompt's content ids into windows the text encoder can take (75 ids for CLIP's 77
 * positions), the way AUTOMATIC1111's webui does (modules/sd_hijack_clip.py, tokenize_line):
 * windows are filled in order, but when one is full and a comma lies within the last
 * {@code backtrack} ids, the words after that comma move to the next window, so a phrase is not
 * cut in two. Nothing is dropped: the windows concatenated are the input.
 */
final class PromptWindows {
    /** A1111's default for its "comma padding backtrack" setting. */
    static final int DEFAULT_BACKTRACK = 20;

    private PromptWindows() {
    }

    /**
     * @param ids       content ids (no start/end tokens)
     * @param capacity  ids per window (model length − 2)
     * @param commaId   the id of a lone comma, or −1 to split without looking for commas
     * @param backtrack how far back from a window's end a comma may be to break there; 0 disables it
     * @return at least one window (an empty prompt gives one empty window)
     */
    static List<int[]> split(int[] ids, int capacity, int commaId, int backtrack) {
        if (capacity < 1) throw new IllegalArgumentException("window capacity must be positive, got " + capacity);
        List<int[]> windows = new ArrayList<>();
        int[] chunk = new int[capacity];
        int size = 0;
        int lastComma = -1;
        for (int token : ids) {
            if (commaId >= 0 && token == commaId) {
                lastComma = size;
            } else if (backtrack > 0 && size == capacity && lastComma != -1 && size - lastComma <= backtrack) {
                int breakAt = lastComma + 1;
                windows.add(Arrays.copyOf(chunk, breakAt));
                int moved = size - breakAt;
                System.arraycopy(chunk, breakAt, chunk, 0, moved);
                size = moved;
                lastComma = -1;
            }
            if (size == capacity) {
                windows.add(Arrays.copyOf(chunk, size));
                size = 0;
                lastComma = -1;
            }
            chunk[size++] = token;
        }
        if (size > 0 || windows.isEmpty()) {
            windows.add(Arrays.copyOf(chunk, size));
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
}
