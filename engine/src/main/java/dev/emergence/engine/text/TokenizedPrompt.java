package dev.emergence.engine.text;

import java.util.List;

/**
 * A prompt ready for the text encoder.
 *
 * @param windows      one row per window of the model's length (77 for CLIP): start token, up to
 *                     length − 2 content ids, end token, padding; the arrays are not copied, treat them as read-only
 * @param tokenCount   content tokens in the prompt (start, end and padding not counted)
 * @param unknownWords words of the prompt, in order and without repeats, that the vocabulary maps to
 *                     its unknown token: words the model never saw
 */
public record TokenizedPrompt(int[][] windows, int tokenCount, List<String> unknownWords) {
    public TokenizedPrompt {
        unknownWords = List.copyOf(unknownWords);
    }

    public int windowCount() {
        return windows.length;
    }
}
