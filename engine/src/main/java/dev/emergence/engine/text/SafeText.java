package dev.emergence.engine.text;

/**
 * Text from files (a PNG's parameters, a model's configuration, a file name) made safe to print on
 * a terminal: control characters could otherwise move the cursor, retitle the window or hide
 * text (ESC sequences), and bidirectional overrides could make a line read differently from what it
 * holds. Each such character is replaced by a visible escape ({@code \x1b}, {@code \u202e}), so the
 * text is still recognisable and nothing in it acts on the terminal.
 */
public final class SafeText {
    private SafeText() {
    }

    /** {@code text} as one printable line: every control character, line breaks included, escaped. */
    public static String line(Object text) {
        return escape(String.valueOf(text), false);
    }

    /** Like {@link #line} but line breaks ({@code \n}) are kept, for multi-line output. */
    public static String lines(Object text) {
        return escape(String.valueOf(text), true);
    }

    private static String escape(String s, boolean keepNewlines) {
        int i = 0;
        while (i < s.length() && !unsafe(s.charAt(i), keepNewlines)) i++;
        if (i == s.length()) return s;
        StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!unsafe(c, keepNewlines)) {
                b.append(c);
            } else if (c <= 0xFF) {
                b.append(String.format(java.util.Locale.ROOT, "\\x%02x", (int) c));
            } else {
                b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
            }
        }
        return b.toString();
    }

    /**
     * C0 controls, DEL, C1 controls (U+0080–U+009F, of which U+009B is a one-character CSI), the
     * line and paragraph separators U+2028/U+2029, the bidi embeddings and overrides U+202A–U+202E
     * and the isolates U+2066–U+2069.
     */
    static boolean unsafe(char c, boolean keepNewlines) {
        if (c == '\n') return !keepNewlines;
        return c < 0x20 || (c >= 0x7F && c <= 0x9F)
                || (c >= 0x2028 && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
    }
}
