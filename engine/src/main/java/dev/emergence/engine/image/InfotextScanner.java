package dev.emergence.engine.image;

import java.util.ArrayList;
import java.util.List;

/**
 * The "key: value" entries of an infotext's parameters line, exactly as AUTOMATIC1111's re_param
 * (modules/infotext_utils.py) finds them with {@code re.findall}:
 * <pre>\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)</pre>
 * (\w and \s in their Unicode sense), but in time linear in the line's length. Run through a
 * backtracking regex engine, a long line with no ':' after its words costs a scan to the end from
 * every start position, and an unclosed quote one from every comma: quadratic (100,000 characters
 * took over a minute). Here every character is looked at a bounded number of times:
 *
 * <ul>
 *   <li>The key {@code \w[\w \-/]+} is followed by ':', which is not a key character, so the only
 *   place the ':' can be is right after the longest run of key characters. When it is not there,
 *   no start position inside that run can match either, and the search resumes at the run's end.</li>
 *   <li>Where a quoted value's scan ({@code (?:\\.|[^\\"])+}) stops depends only on where it starts,
 *   so those stops are computed once, from the end of the line backwards.</li>
 * </ul>
 */
final class InfotextScanner {
    private final String s;
    private final int n;
    /** stop[i]: where the quoted value's inner loop, started at i, can go no further (n at the end). */
    private int[] stop;

    private InfotextScanner(String line) {
        this.s = line;
        this.n = line.length();
    }

    /** The entries of {@code line} in order, each {key, raw value} (quoted values still quoted). */
    static List<String[]> entries(String line) {
        return new InfotextScanner(line).scan();
    }

    private List<String[]> scan() {
        List<String[]> out = new ArrayList<>();
        int p = 0;
        while (p < n) {
            // \s* can give nothing back: the key's first character is never whitespace.
            int a = skipWhitespace(p);
            if (a >= n || !isWord(s.codePointAt(a))) {
                p = a + 1;
                continue;
            }
            int keyStart = a;
            int afterFirst = a + Character.charCount(s.codePointAt(a));
            int e = afterFirst;
            while (e < n && isKeyChar(s.codePointAt(e))) e += Character.charCount(s.codePointAt(e));
            if (e == afterFirst || e >= n || s.charAt(e) != ':') {
                // No start inside [a, e) can match: each reaches the same run end e without a ':' there.
                p = Math.max(e, a + 1);
                continue;
            }
            String key = s.substring(keyStart, e);
            int v = skipWhitespace(e + 1);
            int end = quotedEnd(v);
            String value;
            if (end >= 0) {
                value = s.substring(v, end);
                p = end < n && s.charAt(end) == ',' ? end + 1 : end;
            } else {
                int comma = s.indexOf(',', v);
                int valueEnd = comma < 0 ? n : comma;
                value = s.substring(v, valueEnd);
                p = comma < 0 ? n : comma + 1;
            }
            out.add(new String[] {key, value});
        }
        return out;
    }

    /**
     * The end of the quoted alternative {@code "(?:\\.|[^\\"])+"} followed by ',' or the end of the
     * line, when it matches at {@code q}; else −1 (the regex then takes {@code [^,]*}).
     */
    private int quotedEnd(int q) {
        if (q >= n || s.charAt(q) != '"') return -1;
        if (stop == null) stop = stops();
        int close = stop[q + 1];
        if (close == q + 1 || close >= n || s.charAt(close) != '"') return -1; // + needs one unit; the close must be a quote
        int after = close + 1;
        if (after < n && s.charAt(after) == ',') return after;
        return isEnd(after) ? after : -1;
    }

    /**
     * For every start i, where {@code (?:\\.|[^\\"])+} started there stops: at an unescaped quote, at
     * a backslash with no character it may escape, or at the end. Backtracking cannot stop it
     * anywhere else, as each unit it gives back leaves it at a backslash or an ordinary character.
     */
    private int[] stops() {
        int[] st = new int[n + 2];
        st[n] = n;
        st[n + 1] = n;
        for (int i = n - 1; i >= 0; i--) {
            char c = s.charAt(i);
            if (c == '"') {
                st[i] = i;
            } else if (c == '\\') {
                // '.' matches any character but a line terminator.
                st[i] = i + 1 < n && !isLineTerminator(s.charAt(i + 1)) ? st[i + 2] : i;
            } else {
                st[i] = st[i + 1];
            }
        }
        return st;
    }

    /** Java's $ without MULTILINE: the end of the input, or just before a line terminator that ends it. */
    private boolean isEnd(int i) {
        return i == n || (i == n - 1 && isLineTerminator(s.charAt(i)));
    }

    private int skipWhitespace(int i) {
        while (i < n && isWhitespace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
        return i;
    }

    private static boolean isKeyChar(int cp) {
        return cp == ' ' || cp == '-' || cp == '/' || isWord(cp);
    }

    /** \w with UNICODE_CHARACTER_CLASS: [\p{Alpha}\p{gc=Mn}\p{gc=Me}\p{gc=Mc}\p{Digit}\p{gc=Pc}\p{IsJoin_Control}]. */
    static boolean isWord(int cp) {
        if (Character.isAlphabetic(cp) || Character.isDigit(cp)) return true;
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
                || type == Character.COMBINING_SPACING_MARK || type == Character.CONNECTOR_PUNCTUATION
                || cp == 0x200C || cp == 0x200D;
    }

    /** \s with UNICODE_CHARACTER_CLASS: the Unicode White_Space property. */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    private static boolean isLineTerminator(char c) {
        return c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029';
    }
}
