package dev.emergence.app.engine;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.image.ImageException;
import dev.emergence.engine.model.ModelException;

import java.io.IOException;
import java.util.concurrent.CancellationException;

/** Turns whatever a future failed with into the one line the artist reads. */
public final class EngineErrors {
    private EngineErrors() {
    }

    /** True when the failure is a cancellation the user asked for. */
    public static boolean isCancellation(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CancellationException) return true;
        }
        return false;
    }

    /**
     * The engine's own one-line message for user errors (bad model folder, bad request, unreadable
     * image, file trouble), found anywhere in the cause chain; anything else is a bug and says so.
     */
    public static String message(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ModelException || c instanceof InvalidRequestException || c instanceof ImageException
                    || c instanceof IOException) {
                return firstLine(c.getMessage());
            }
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return "internal error: " + firstLine(root.toString());
    }

    private static String firstLine(String s) {
        if (s == null) return "(no message)";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
