package dev.emergence.engine.text;

/**
 * A prompt whose attention syntax cannot be read (see {@link PromptAttention}). The message is one
 * line naming the fragment at fault and what was expected.
 */
public class PromptSyntaxException extends IllegalArgumentException {
    public PromptSyntaxException(String message) {
        super(message);
    }
}
