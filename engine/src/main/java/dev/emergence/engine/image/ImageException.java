package dev.emergence.engine.image;

/**
 * An image or mask file that cannot be used: missing, unreadable, not an image, or damaged.
 * The message is one line naming the file and what was expected; it is shown to users as it is.
 */
public class ImageException extends Exception {
    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
