package dev.emergence.engine.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * AUTOMATIC1111's prompt attention syntax, with the semantics of {@code parse_prompt_attention} in
 * its modules/prompt_parser.py: {@code (word)} multiplies the weight of what it encloses by 1.1,
 * {@code [word]} divides it by 1.1, {@code (word:1.3)} multiplies it by 1.3; brackets nest and
 * multiply; {@code \(}, {@code \)}, {@code \[}, {@code \]} and {@code \\} are the literal characters
 * (a backslash before anything else is dropped); a bracket never closed applies to the end of the
 * prompt, a closing one never opened is plain text; {@code BREAK} as a word of its own (with the
 * white space around it) starts a new text-encoder window. Adjacent fragments of equal weight are
 * joined.
 *
 * <p>Weights are computed as A1111 computes them, in double precision and in the same order (each
 * closing bracket multiplies what it encloses; brackets left open multiply at the end, round ones
 * first, outermost first), so equal weights, and so the joined fragments, are the same too. The
 * cost is linear in the prompt's length times its bracket depth (A1111's own loop is quadratic in
 * the number of fragments).
 *
 * <p>Where A1111's parser raises (a weight its regex accepts but Python's {@code float()} does not,
 * such as {@code (a:1.2.3)} or {@code (a:.)}), this throws a {@link PromptSyntaxException} naming
 * the bracket. A1111's quirks are kept: {@code BREAK} inside brackets is weighted like any text and
 * so becomes the word "BREAK" rather than a window break (see {@link Fragment#isBreak()}); weights may
 * be zero or negative.
 */
public final class PromptAttention {
    /** What {@code (word)} multiplies by. */
    public static final double ROUND_MULTIPLIER = 1.1;
    /** What {@code [word]} multiplies by. */
    public static final double SQUARE_MULTIPLIER = 1 / 1.1;

    private static final String BREAK = "BREAK";
    private static final int MAX_QUOTED = 40;

    private PromptAttention() {
    }

    /**
     * A run of prompt text and its weight. A window break is the fragment ("BREAK", −1), exactly as
     * A1111 marks it.
     */
    public record Fragment(String text, double weight) {
        public Fragment {
            if (text == null) throw new IllegalArgumentException("fragment text must not be null");
        }

        /**
         * Whether this is a window break: A1111's tokenize_line breaks only on ("BREAK", −1); a BREAK
         * inside brackets has another weight and is encoded as the word.
         */
        public boolean isBreak() {
            return weight == -1 && BREAK.equals(text);
        }
    }

    /**
     * Whether {@code prompt} has nothing this syntax changes: no bracket, backslash or BREAK, so its
     * one fragment is the prompt itself at weight 1.
     */
    public static boolean isPlain(String prompt) {
        for (int i = 0; i < prompt.length(); i++) {
            char c = prompt.charAt(i);
            if (c == '(' || c == ')' || c == '[' || c == ']' || c == '\\') return false;
        }
        return !prompt.contains(BREAK);
    }

    /**
     * The fragments of {@code prompt}, at least one ("", 1) for an empty prompt.
     *
     * @throws PromptSyntaxException where A1111's parser raises: a {@code (…:w)} whose w is not a number
     */
    public static List<Fragment> parse(String prompt) {
        if (prompt == null) throw new IllegalArgumentException("prompt must not be null");
        Parser p = new Parser(prompt);
        p.run();
        return p.result();
    }

    /**
     * {@link #parse} for text to encode: also refuses weights that are not finite numbers (a weight of
     * hundreds of digits overflows to infinity, which would make every embedding infinite or NaN).
     *
     * @throws PromptSyntaxException for a bad or non-finite weight, naming it
     */
    public static List<Fragment> parseFinite(String prompt) {
        List<Fragment> fragments = parse(prompt);
        for (Fragment f : fragments) {
            if (!Double.isFinite(f.weight())) {
                throw new PromptSyntaxException("the weight of \"" + quote(f.text()) + "\" comes to " + f.weight()
                        + "; expected a finite number (a weight such as 1.2)");
            }
        }
        return fragments;
    }

    /** {@code s} on one line, its start and end when it is long. */
    static String quote(String s) {
        String one = SafeText.line(s);
        return one.length() <= MAX_QUOTED ? one : one.substring(0, 15) + "…" + one.substring(one.length() - 20);
    }

    /** The scan of re_attention's alternatives, in their order, with A1111's stacks of open brackets. */
    private static final class Parser {
        private final String s;
        // Entries as A1111 appends them, before merging: text, sign of the starting weight (−1 marks BREAK), group.
        private final List<String> texts = new ArrayList<>();
        private int[] entryGroup = new int[16];
        private boolean[] entryNegative = new boolean[16];
        // Entries appended with no bracket opened or closed in between get the same multiplications:
        // one value per such group, multiplied as A1111 multiplies each of its entries.
        private double[] groupValue = new double[16];
        private int groups;
        private boolean lastGroupOpen;
        // Open brackets: the first group each encloses, and the character where it opened.
        private final IntStack round = new IntStack(), roundAt = new IntStack();
        private final IntStack square = new IntStack();

        Parser(String s) {
            this.s = s;
        }

        void run() {
            int n = s.length();
            int i = 0;
            while (i < n) {
                char c = s.charAt(i);
                if (c == '\\') {
                    char next = i + 1 < n ? s.charAt(i + 1) : 0;
                    if (next == '(' || next == ')' || next == '[' || next == ']' || next == '\\') {
                        append(String.valueOf(next), false);
                        i += 2;
                    } else {
                        // A lone backslash: re_attention's "\\" alternative, whose text after the backslash is empty.
                        append("", false);
                        i += 1;
                    }
                } else if (c == '(') {
                    round.push(groups);
                    roundAt.push(i);
                    lastGroupOpen = false;
                    i++;
                } else if (c == '[') {
                    square.push(groups);
                    lastGroupOpen = false;
                    i++;
                } else if (c == ':') {
                    int end = weightEnd(i);
                    if (end > 0 && !round.isEmpty()) {
                        String w = s.substring(i + 1, end - 1);
                        int at = roundAt.pop();
                        multiply(round.pop(), number(w, at, end));
                    } else if (end > 0) {
                        plain(i, end);
                    } else {
                        plain(i, i + 1);
                        end = i + 1;
                    }
                    i = end;
                } else if (c == ')') {
                    if (!round.isEmpty()) {
                        roundAt.pop();
                        multiply(round.pop(), ROUND_MULTIPLIER);
                    } else {
                        plain(i, i + 1);
                    }
                    i++;
                } else if (c == ']') {
                    if (!square.isEmpty()) {
                        multiply(square.pop(), SQUARE_MULTIPLIER);
                    } else {
                        plain(i, i + 1);
                    }
                    i++;
                } else {
                    int end = i + 1;
                    while (end < n && !special(s.charAt(end))) end++;
                    plain(i, end);
                    i = end;
                }
            }
            for (int k = 0; k < round.size(); k++) multiply(round.get(k), ROUND_MULTIPLIER);
            for (int k = 0; k < square.size(); k++) multiply(square.get(k), SQUARE_MULTIPLIER);
        }

        private static boolean special(char c) {
            return c == '\\' || c == '(' || c == ')' || c == '[' || c == ']' || c == ':';
        }

        /**
         * The end (after ')') of {@code :([+-]?[.\d]+)\)} at {@code colon}, or −1. Python's \d is any
         * Unicode decimal digit.
         */
        private int weightEnd(int colon) {
            int j = colon + 1, n = s.length();
            if (j < n && (s.charAt(j) == '+' || s.charAt(j) == '-')) j++;
            int first = j;
            while (j < n) {
                int cp = s.codePointAt(j);
                if (cp != '.' && Character.getType(cp) != Character.DECIMAL_DIGIT_NUMBER) break;
                j += Character.charCount(cp);
            }
            if (j == first || j >= n || s.charAt(j) != ')') return -1;
            return j + 1;
        }

        /** Python's float() of what the weight regex matched: sign, digits (any script) and at most one point. */
        private double number(String w, int open, int end) {
            StringBuilder ascii = new StringBuilder(w.length());
            int points = 0, digits = 0;
            for (int k = 0; k < w.length(); ) {
                int cp = w.codePointAt(k);
                k += Character.charCount(cp);
                if (cp == '.') {
                    points++;
                    ascii.append('.');
                } else if (cp == '+' || cp == '-') {
                    ascii.append((char) cp);
                } else {
                    digits++;
                    ascii.append((char) ('0' + Character.digit(cp, 10)));
                }
            }
            if (points > 1 || digits == 0) {
                throw new PromptSyntaxException("\"" + quote(s.substring(open, end)) + "\" at character " + (open + 1)
                        + ": the weight " + SafeText.line(w) + " is not a number; expected one such as 1.2 (write \\( \\) for literal brackets)");
            }
            return Double.parseDouble(ascii.toString());
        }

        /** Text outside any syntax: split at BREAK as re.split(r"\s*\bBREAK\b\s*", text) does. */
        private void plain(int from, int to) {
            int partStart = from, search = from;
            while (true) {
                int k = indexOfBreak(search, to);
                if (k < 0) break;
                int after = k + BREAK.length();
                boolean before = k == from || !word(s.codePointBefore(k));
                boolean behind = after == to || !word(s.codePointAt(after));
                if (!before || !behind) {
                    search = k + 1;
                    continue;
                }
                int start = k;
                while (start > search && space(s.codePointBefore(start))) start -= Character.charCount(s.codePointBefore(start));
                int end = after;
                while (end < to && space(s.codePointAt(end))) end += Character.charCount(s.codePointAt(end));
                append(s.substring(partStart, start), false);
                append(BREAK, true);
                partStart = end;
                search = end;
            }
            append(s.substring(partStart, to), false);
        }

        /** The first "BREAK" wholly inside [from, to), or −1; looks no further than {@code to}. */
        private int indexOfBreak(int from, int to) {
            for (int k = from; k + BREAK.length() <= to; k++) {
                if (s.charAt(k) == 'B' && s.startsWith(BREAK, k)) return k;
            }
            return -1;
        }

        /** Python's \w for str patterns: str.isalnum() or '_'. */
        private static boolean word(int cp) {
            if (cp == '_' || Character.isLetter(cp)) return true;
            int t = Character.getType(cp);
            return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
        }

        /** Python's \s for str patterns (str.isspace()): bidirectional class WS, B or S, or category Zs. */
        private static boolean space(int cp) {
            if (Character.getType(cp) == Character.SPACE_SEPARATOR) return true;
            byte d = Character.getDirectionality(cp);
            return d == Character.DIRECTIONALITY_WHITESPACE || d == Character.DIRECTIONALITY_PARAGRAPH_SEPARATOR
                    || d == Character.DIRECTIONALITY_SEGMENT_SEPARATOR;
        }

        private void append(String text, boolean negative) {
            if (!lastGroupOpen) {
                if (groups == groupValue.length) groupValue = Arrays.copyOf(groupValue, groups * 2);
                groupValue[groups++] = 1.0;
                lastGroupOpen = true;
            }
            int e = texts.size();
            if (e == entryGroup.length) {
                entryGroup = Arrays.copyOf(entryGroup, e * 2);
                entryNegative = Arrays.copyOf(entryNegative, e * 2);
            }
            texts.add(text);
            entryGroup[e] = groups - 1;
            entryNegative[e] = negative;
        }

        /** A1111's multiply_range: every entry appended since the bracket opened. */
        private void multiply(int firstGroup, double m) {
            lastGroupOpen = false;
            if (m == 1.0) return; // x·1 is x for every double, infinities and NaN included
            for (int g = firstGroup; g < groups; g++) groupValue[g] *= m;
        }

        List<Fragment> result() {
            if (texts.isEmpty()) return List.of(new Fragment("", 1.0));
            List<Fragment> out = new ArrayList<>();
            StringBuilder run = new StringBuilder(texts.get(0));
            double weight = weight(0);
            for (int e = 1; e < texts.size(); e++) {
                double w = weight(e);
                // Python's ==: 0.0 equals −0.0, NaN equals nothing.
                if (w == weight) {
                    run.append(texts.get(e));
                } else {
                    out.add(new Fragment(run.toString(), weight));
                    run.setLength(0);
                    run.append(texts.get(e));
                    weight = w;
                }
            }
            out.add(new Fragment(run.toString(), weight));
            return out;
        }

        /** (−1)·m1·m2… is −(1·m1·m2…) exactly: IEEE rounding is symmetric. */
        private double weight(int e) {
            double v = groupValue[entryGroup[e]];
            return entryNegative[e] ? -v : v;
        }
    }

    private static final class IntStack {
        private int[] a = new int[8];
        private int n;

        void push(int v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        int pop() {
            return a[--n];
        }

        int get(int i) {
            return a[i];
        }

        int size() {
            return n;
        }

        boolean isEmpty() {
            return n == 0;
        }
    }
}
