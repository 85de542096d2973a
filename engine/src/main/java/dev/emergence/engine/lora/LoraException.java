package dev.emergence.engine.lora;

import dev.emergence.engine.InvalidRequestException;

/**
 * A LoRA that cannot be used: a malformed file, a name outside the loras folder, a file that matches
 * no layer of the model. One line naming the file and what was expected; the model is left as it was.
 */
public final class LoraException extends InvalidRequestException {
    public LoraException(String message) {
        super(message);
    }

    public LoraException(String message, Throwable cause) {
        super(message, cause);
    }
}
