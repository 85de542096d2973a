package dev.emergence.app.engine;

import java.util.List;

/**
 * How a prompt fills the text encoder's windows.
 *
 * @param tokens         content tokens (start/end/padding not counted)
 * @param windows        windows of {@code windowCapacity} tokens the prompt takes (at least 1)
 * @param windowCapacity tokens per window (75 for CLIP's 77 positions)
 * @param unknownWords   words the vocabulary does not know
 */
public record TokenCount(int tokens, int windows, int windowCapacity, List<String> unknownWords) {
    public TokenCount {
        unknownWords = List.copyOf(unknownWords);
    }

    /** "12 / 75 tokens", or "80 / 150 tokens · 2 windows" once the prompt spills into more windows. */
    public String label() {
        String base = tokens + " / " + windows * windowCapacity + " tokens";
        return windows > 1 ? base + " · " + windows + " windows" : base;
    }
}
