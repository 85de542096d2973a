package dev.emergence.engine.image;

import java.util.ArrayList;
import java.util.List;

/**
 * The "key: value" entries of an infotext's parameters line, exactly as AUTOMATIC1111's re_param
 * (modules/infotext_utils.py) finds them with Python's {@code re.findall}:
 * <pre>\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)</pre>
 * with Python's meanings ({@link PythonText}: \w and \s as Python's re has them on str; '.' any
 * character but '\n'; $ the end, or just before a '\n' that ends the text), but in time linear in
 * the line's length. Run through a
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
                // Python's '.' matches any character but '\n'.
                st[i] = i + 1 < n && s.charAt(i + 1) != '\n' ? st[i + 2] : i;
            } else {
                st[i] = st[i + 1];
            }
        }
        return st;
    }

    /** Python's $ without MULTILINE: the end of the text, or just before a '\n' that ends it. */
    private boolean isEnd(int i) {
        return i == n || (i == n - 1 && s.charAt(i) == '\n');
    }

    private int skipWhitespace(int i) {
        while (i < n && isWhitespace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
        return i;
    }

    private static boolean isKeyChar(int cp) {
        return cp == ' ' || cp == '-' || cp == '/' || isWord(cp);
    }

    static boolean isWord(int cp) {
        return PythonText.isWord(cp);
    }

    static boolean isWhitespace(int cp) {
        return PythonText.isSpace(cp);
    }
}
