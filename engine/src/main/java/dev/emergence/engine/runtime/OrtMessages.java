package dev.emergence.engine.runtime;

/** Makes ONNX Runtime's error messages fit the engine's one-line messages. */
public final class OrtMessages {
    private OrtMessages() {
    }

    /** The first line of {@code message}, without ONNX Runtime's "Error code - ORT_FAIL - message: " prefix. */
    public static String oneLine(String message) {
        if (message == null || message.isBlank()) return "unknown error";
        String m = message.strip();
        int nl = m.indexOf('\n');
        if (nl >= 0) m = m.substring(0, nl).strip();
        int at = m.indexOf("message: ");
        if (m.startsWith("Error code") && at >= 0) m = m.substring(at + "message: ".length()).strip();
        return m;
    }
}
