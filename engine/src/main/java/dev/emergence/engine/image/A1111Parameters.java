package dev.emergence.engine.image;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AUTOMATIC1111's generation parameters ("infotext"), the {@code parameters} text its PNGs carry and
 * most tools (ComfyUI, InvokeAI, Civitai) read:
 * <pre>
 * a cat in a hat
 * Negative prompt: blurry
 * Steps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: name, Denoising strength: 0.6
 * </pre>
 * {@link #format()} follows modules/processing.py create_infotext; {@link #parse} follows
 * modules/infotext_utils.py parse_generation_parameters (formerly generation_parameters_copypaste.py).
 *
 * @param negativePrompt    "" for none (the line is then left out)
 * @param sampler           A1111's sampler name, e.g. "Euler a", "DPM++ 2M"
 * @param model             null or "" to leave the Model entry out
 * @param denoisingStrength null for txt2img (left out)
 * @param extra             every other entry, in order (e.g. "Schedule type", "Model hash", "Version");
 *                          entries A1111 itself writes are placed where A1111 places them
 */
public record A1111Parameters(String prompt, String negativePrompt, int steps, String sampler, double cfgScale, long seed,
        int width, int height, String model, Double denoisingStrength, LinkedHashMap<String, String> extra) {

    /**
     * The longest parameters text read, in characters. A1111's own are a few hundred; a PNG text
     * chunk can hold far more, and a hostile one should be refused rather than parsed.
     */
    public static final int MAX_TEXT_LENGTH = 1 << 20;
    /** re_imagesize, {@code ^(\d+)x(\d+)$}, as Python matches it: any decimal digits, and $ also before a final '\n'. */
    private static final Pattern SIZE = Pattern.compile("(\\d+)x(\\d+)\n?", Pattern.UNICODE_CHARACTER_CLASS);
    /** What Python's float() reads, less "inf", "nan" and '_' (refused here all the same). */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final String NEGATIVE = "Negative prompt:";

    /** The entries this record has fields for. */
    private static final Set<String> OWN_KEYS = Set.of("Steps", "Sampler", "CFG scale", "Seed", "Size", "Model", "Denoising strength");

    /**
     * create_infotext's generation_params, in its order (A1111 1.10). Python dicts keep a key where it
     * was first inserted, so extra entries with these names land here; all others follow "Tiling".
     */
    private static final List<String> A1111_ORDER = List.of("Steps", "Sampler", "Schedule type", "CFG scale",
            "Image CFG scale", "Seed", "Face restoration", "Size", "Model hash", "Model", "FP8 weight",
            "Cache FP16 weight for LoRA", "VAE hash", "VAE", "Variation seed", "Variation seed strength",
            "Seed resize from", "Denoising strength", "Conditional mask weight", "Clip skip", "ENSD",
            "Token merging ratio", "Token merging ratio hr", "Init image hash", "RNG", "NGMS", "Tiling");
    /** Written after the extra generation params. */
    private static final List<String> A1111_TRAILING = List.of("Version", "User");

    public A1111Parameters {
        prompt = prompt == null ? "" : prompt;
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        if (sampler == null || sampler.isEmpty()) throw new IllegalArgumentException("a sampler name is required");
        LinkedHashMap<String, String> copy = new LinkedHashMap<>();
        if (extra != null) {
            for (Map.Entry<String, String> e : extra.entrySet()) {
                String k = e.getKey();
                if (k == null || !isKey(k)) {
                    throw new IllegalArgumentException("'" + k + "' cannot be an infotext key: A1111 reads keys of letters, digits, spaces, '-', '/' and '_'");
                }
                if (OWN_KEYS.contains(k)) throw new IllegalArgumentException("'" + k + "' has its own field; it cannot be an extra entry");
                if (e.getValue() == null) throw new IllegalArgumentException("extra entry '" + k + "' has no value");
                copy.put(k, e.getValue());
            }
        }
        extra = copy;
    }

    /** A copy: the record stays unchanged. */
    @Override
    public LinkedHashMap<String, String> extra() {
        return new LinkedHashMap<>(extra);
    }

    /** The infotext exactly as create_infotext writes it. */
    public String format() {
        Map<String, String> own = new LinkedHashMap<>();
        own.put("Steps", Integer.toString(steps));
        own.put("Sampler", sampler);
        own.put("CFG scale", number(cfgScale));
        own.put("Seed", Long.toString(seed));
        own.put("Size", width + "x" + height);
        if (model != null && !model.isEmpty()) own.put("Model", model);
        if (denoisingStrength != null) own.put("Denoising strength", number(denoisingStrength));

        LinkedHashMap<String, String> ordered = new LinkedHashMap<>();
        for (String k : A1111_ORDER) {
            String v = own.containsKey(k) ? own.get(k) : extra.get(k);
            if (v != null) ordered.put(k, v);
        }
        for (Map.Entry<String, String> e : extra.entrySet()) {
            if (!A1111_ORDER.contains(e.getKey()) && !A1111_TRAILING.contains(e.getKey())) ordered.put(e.getKey(), e.getValue());
        }
        for (String k : A1111_TRAILING) {
            if (extra.containsKey(k)) ordered.put(k, extra.get(k));
        }

        StringBuilder params = new StringBuilder();
        for (Map.Entry<String, String> e : ordered.entrySet()) {
            if (params.length() > 0) params.append(", ");
            // "k if k == v else f'{k}: {quote(v)}'"
            params.append(e.getKey().equals(e.getValue()) ? e.getKey() : e.getKey() + ": " + quote(e.getValue()));
        }
        String negative = negativePrompt.isEmpty() ? "" : "\n" + NEGATIVE + " " + negativePrompt;
        return (prompt + negative + "\n" + params).strip();
    }

    /**
     * Reads an infotext exactly as parse_generation_parameters does: the text stripped and split at
     * every '\n' (only there: a lone '\r' does not end a line, a "\r\n" ends one with the '\r'
     * stripped off); the last line is the parameters line if re_param finds at least three
     * "key: value" entries in it; the lines before it, each stripped, are the prompt up to a line
     * starting "Negative prompt:", and the negative prompt after. Stripping is Python's
     * ({@link PythonText}): no-break spaces and the information separators go too. An entry with an
     * empty value is skipped (A1111 fails on it and moves on); a value in double quotes that is one
     * JSON string is that string.
     *
     * @throws IllegalArgumentException when there is no parameters line, or Steps, Sampler, CFG scale,
     *                                  Seed or Size is missing or not a number
     */
    public static A1111Parameters parse(String text) {
        if (text.length() > MAX_TEXT_LENGTH) {
            throw new IllegalArgumentException("the parameters text is " + text.length() + " characters long; expected at most " + MAX_TEXT_LENGTH);
        }
        String[] lines = PythonText.strip(text).split("\n", -1);
        List<String> promptLines = new ArrayList<>(List.of(lines).subList(0, lines.length - 1));
        String last = lines[lines.length - 1];
        List<String[]> entries = InfotextScanner.entries(last);
        if (entries.size() < 3) {
            promptLines.add(last);
            last = "";
        }
        StringBuilder prompt = new StringBuilder(), negative = new StringBuilder();
        boolean inNegative = false;
        for (String raw : promptLines) {
            String line = PythonText.strip(raw);
            if (line.startsWith(NEGATIVE)) {
                inNegative = true;
                line = PythonText.strip(line.substring(NEGATIVE.length()));
            }
            StringBuilder target = inNegative ? negative : prompt;
            if (target.length() > 0) target.append('\n');
            target.append(line);
        }

        LinkedHashMap<String, String> params = new LinkedHashMap<>();
        for (String[] kv : last.isEmpty() ? List.<String[]>of() : entries) {
            String v = kv[1];
            if (v.isEmpty()) continue; // v[0] raises IndexError, which parse_generation_parameters catches
            if (v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') v = unquote(v);
            params.put(kv[0], v);
        }
        if (params.isEmpty()) throw new IllegalArgumentException("no parameters line (\"Steps: …, Sampler: …\") found");

        int steps = (int) integer(params, "Steps", Integer.MIN_VALUE, Integer.MAX_VALUE);
        String sampler = required(params, "Sampler");
        double cfg = decimal(params, "CFG scale");
        long seed = integer(params, "Seed", Long.MIN_VALUE, Long.MAX_VALUE);
        String size = required(params, "Size");
        Matcher s = SIZE.matcher(size);
        if (!s.matches()) throw new IllegalArgumentException("Size: '" + size + "' is not WIDTHxHEIGHT");
        int width, height;
        try {
            width = Integer.parseInt(s.group(1));
            height = Integer.parseInt(s.group(2));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Size: '" + size + "' is too large");
        }
        String model = params.get("Model");
        Double strength = params.containsKey("Denoising strength") ? decimal(params, "Denoising strength") : null;
        LinkedHashMap<String, String> extra = new LinkedHashMap<>(params);
        extra.keySet().removeAll(OWN_KEYS);
        return new A1111Parameters(prompt.toString(), negative.toString(), steps, sampler, cfg, seed, width, height,
                model, strength, extra);
    }

    /** re_param's key, {@code \w[\w \-/]+}, with Python's \w. */
    static boolean isKey(String k) {
        if (k.isEmpty() || !InfotextScanner.isWord(k.codePointAt(0))) return false;
        int i = Character.charCount(k.codePointAt(0)), rest = 0;
        while (i < k.length()) {
            int cp = k.codePointAt(i);
            if (cp != ' ' && cp != '-' && cp != '/' && !InfotextScanner.isWord(cp)) return false;
            i += Character.charCount(cp);
            rest++;
        }
        return rest > 0;
    }

    private static String required(Map<String, String> params, String key) {
        String v = params.get(key);
        if (v == null) throw new IllegalArgumentException("the parameters line has no " + key);
        return v;
    }

    private static long integer(Map<String, String> params, String key, long min, long max) {
        String v = PythonText.strip(required(params, key));
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + v + "' is not a whole number in range");
        }
    }

    private static double decimal(Map<String, String> params, String key) {
        String v = PythonText.strip(required(params, key));
        try {
            if (!DECIMAL.matcher(v).matches()) throw new NumberFormatException();
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + v + "' is not a number");
        }
    }

    /**
     * Numbers as A1111's files show them: whole values without ".0" (the web UI passes them as
     * integers, "CFG scale: 7"), others with the fewest digits that read back exactly, like Python's repr.
     */
    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        for (int digits = 1; digits <= 17; digits++) {
            BigDecimal d = new BigDecimal(v).round(new MathContext(digits));
            if (d.doubleValue() == v) return d.stripTrailingZeros().toPlainString();
        }
        return Double.toString(v);
    }

    /**
     * infotext_utils.quote: the value as it is unless it has ',', '\n' or ':', then
     * {@code json.dumps(value, ensure_ascii=False)}.
     */
    static String quote(String value) {
        if (value.indexOf(',') < 0 && value.indexOf('\n') < 0 && value.indexOf(':') < 0) return value;
        StringBuilder sb = new StringBuilder(value.length() + 8).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }

    /**
     * infotext_utils.unquote: {@code json.loads(text)} for a quoted value; the text unchanged when it is
     * not exactly one valid JSON string (json.loads raising).
     */
    static String unquote(String text) {
        if (text.length() < 2 || text.charAt(0) != '"' || text.charAt(text.length() - 1) != '"') return text;
        StringBuilder sb = new StringBuilder(text.length());
        int end = text.length() - 1;
        for (int i = 1; i < end; i++) {
            char c = text.charAt(i);
            if (c == '"' || c < 0x20) return text; // an unescaped quote ends the string early; raw controls are invalid JSON
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (++i >= end) return text;
            char e = text.charAt(i);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (i + 4 >= end) return text; // four hex digits must fit before the closing quote
                    String hex = text.substring(i + 1, i + 5);
                    if (!hex.matches("[0-9a-fA-F]{4}")) return text;
                    sb.append((char) Integer.parseInt(hex, 16));
                    i += 4;
                }
                default -> {
                    return text;
                }
            }
        }
        return sb.toString();
    }
}
