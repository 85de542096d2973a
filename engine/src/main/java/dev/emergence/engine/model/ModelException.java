package dev.emergence.engine.model;

/**
 * A model folder or file that cannot be used: missing, corrupt, or with tensors other than
 * expected. The message is one line naming the file and what was expected; it is shown to users as it is.
 */
public class ModelException extends Exception {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
