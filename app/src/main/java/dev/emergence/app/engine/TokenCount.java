package dev.emergence.app.engine;

import java.util.List;

/**
 * How a prompt fills the text encoder's windows.
 *
 * @param tokens         content tokens as the encoder gets them: AUTOMATIC1111's attention syntax
 *                       ({@code (cat:1.3)}, {@code [cat]}, {@code BREAK}) is not counted, only the words
 * @param windows        windows of {@code windowCapacity} tokens the prompt takes (at least 1)
 * @param windowCapacity tokens per window (75 for CLIP's 77 positions)
 * @param unknownWords   words the vocabulary does not know
 * @param problem        why the prompt cannot be read (a weight that is not a number), or null
 */
public record TokenCount(int tokens, int windows, int windowCapacity, List<String> unknownWords, String problem) {
    public TokenCount {
        unknownWords = List.copyOf(unknownWords);
    }

    public TokenCount(int tokens, int windows, int windowCapacity, List<String> unknownWords) {
        this(tokens, windows, windowCapacity, unknownWords, null);
    }

    /** A prompt whose syntax cannot be read: nothing to count, the reason to show instead. */
    public static TokenCount unreadable(String problem, int windowCapacity) {
        return new TokenCount(0, 1, windowCapacity, List.of(), problem);
    }

    /**
     * "12 / 75 tokens", or "80 / 150 tokens · 2 windows" once the prompt spills into more windows; for
     * an unreadable prompt, the problem.
     */
    public String label() {
        if (problem != null) return problem;
        String base = tokens + " / " + windows * windowCapacity + " tokens";
        return windows > 1 ? base + " · " + windows + " windows" : base;
    }
}
