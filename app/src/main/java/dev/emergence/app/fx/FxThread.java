package dev.emergence.app.fx;

import javafx.application.Platform;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The threads the studio uses besides the engine's: the FX thread and named background workers. */
public final class FxThread {
    /** Runs tasks on the JavaFX application thread. */
    public static final Executor FX = Platform::runLater;

    private FxThread() {
    }

    /** A single daemon worker thread: tasks run one at a time, in order. */
    public static ExecutorService worker(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    public static void requireFx() {
        if (!Platform.isFxApplicationThread()) throw new IllegalStateException("not on the JavaFX thread: " + Thread.currentThread().getName());
    }
}
