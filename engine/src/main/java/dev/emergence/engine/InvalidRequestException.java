package dev.emergence.engine;

/**
 * A request the user must fix: a parameter out of range, an unreadable image, mismatched sizes.
 * The message is one line naming the parameter or file and what was expected.
 */
public class InvalidRequestException extends Exception {
    public InvalidRequestException(String message) {
        super(message);
    }

    public InvalidRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
