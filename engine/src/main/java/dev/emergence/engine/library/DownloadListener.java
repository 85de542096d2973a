package dev.emergence.engine.library;

/**
 * Told what a download is doing. Called on the downloading thread, a few times a second at most
 * for progress; a user interface hands the values over to its own thread.
 */
public interface DownloadListener {
    DownloadListener NONE = new DownloadListener() {
    };

    /** A stage begins: "resolving onnx", "checking 19 files", "validating the model", ... */
    default void stage(String message) {
    }

    default void progress(DownloadProgress progress) {
    }
}
