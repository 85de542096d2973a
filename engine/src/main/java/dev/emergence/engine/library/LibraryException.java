package dev.emergence.engine.library;

import java.io.IOException;

/**
 * Something the user asked of the model library or the hub that cannot be done: a name already
 * taken, a repository that does not exist, a file whose checksum is wrong, a full disk. The message
 * is one line, shown to users as it is.
 */
public class LibraryException extends IOException {
    public LibraryException(String message) {
        super(message);
    }

    public LibraryException(String message, Throwable cause) {
        super(message, cause);
    }
}
