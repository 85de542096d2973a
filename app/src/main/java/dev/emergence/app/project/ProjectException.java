package dev.emergence.app.project;

/** A project file that cannot be read; the message is one line naming the file and what is wrong. */
public final class ProjectException extends Exception {
    public ProjectException(String message) {
        super(message);
    }
}
