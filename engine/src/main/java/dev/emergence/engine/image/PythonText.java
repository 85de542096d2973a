package dev.emergence.engine.image;

/**
 * Python 3's notions of text that AUTOMATIC1111's infotext code relies on, where Java's differ:
 * {@code str.strip()} and the {@code re} classes {@code \s} and {@code \w} on str.
 *
 * <ul>
 *   <li>Whitespace ({@code str.isspace()}, {@code \s}, what {@code strip()} removes): Unicode's
 *   White_Space characters, including the no-break spaces U+00A0, U+2007 and U+202F and NEXT LINE
 *   U+0085 that Java's {@link String#strip()} keeps, plus the information separators U+001C to
 *   U+001F that Unicode's White_Space lacks.</li>
 *   <li>Word characters ({@code \w}): letters and numbers (general categories L and N) and '_';
 *   not the combining marks, other connector punctuation or joiners of Java's Unicode {@code \w}.</li>
 * </ul>
 */
public final class PythonText {
    private PythonText() {
    }

    /** Python's {@code str.isspace()} for one code point. */
    public static boolean isSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    /** Python's {@code \w} on str: {@code str.isalnum()} or '_'. */
    public static boolean isWord(int cp) {
        if (cp == '_' || Character.isLetter(cp)) return true;
        int type = Character.getType(cp);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER || type == Character.OTHER_NUMBER;
    }

    /** Python's {@code str.strip()}. All the whitespace is in the Basic Multilingual Plane, so char by char is exact. */
    public static String strip(String s) {
        int a = 0, b = s.length();
        while (a < b && isSpace(s.charAt(a))) a++;
        while (b > a && isSpace(s.charAt(b - 1))) b--;
        return s.substring(a, b);
    }
}
