package dev.emergence.app.params;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code <lora:NAME:weight>} tags of a prompt, as AUTOMATIC1111 writes and reads them: an
 * extra-network tag is {@code <}, a word, {@code :}, and arguments up to the next {@code >}
 * (modules/extra_networks.py: {@code <(\w+):([^>]+)>}); for {@code lora} the first argument is the
 * name and the second the weight, 1 when absent. The LoRA panel reads and edits the prompt through
 * these, so the prompt stays the one record of which LoRAs a picture uses.
 */
public final class LoraTags {
    private static final String OPEN = "<lora:";

    private LoraTags() {
    }

    /**
     * One tag.
     *
     * @param start where its {@code <} is
     * @param end   just after its {@code >}
     */
    public record Tag(String name, double weight, int start, int end) {
    }

    /** Every lora tag in the prompt, in order. A tag whose weight is not a number reads as weight 1, as a typo should not hide it. */
    public static List<Tag> parse(String prompt) {
        List<Tag> out = new ArrayList<>();
        if (prompt == null) return out;
        int from = 0;
        while (true) {
            int start = prompt.indexOf(OPEN, from);
            if (start < 0) return out;
            int end = prompt.indexOf('>', start + OPEN.length());
            if (end < 0) return out;
            String args = prompt.substring(start + OPEN.length(), end);
            if (args.isEmpty()) {
                from = start + 1;
                continue;
            }
            // The text encoders' weight, as the engine reads it: te=, else the second positional item, else 1.
            String[] parts = args.split(":", -1);
            String te = null;
            List<String> positional = new ArrayList<>();
            for (String part : parts) {
                if (part.startsWith("te=")) te = part.substring(3);
                else if (!part.contains("=")) positional.add(part);
            }
            if (te == null && positional.size() > 1) te = positional.get(1);
            double weight = 1;
            if (te != null) {
                try {
                    weight = Double.parseDouble(te.strip());
                } catch (NumberFormatException e) {
                    weight = 1;
                }
            }
            out.add(new Tag(parts[0], weight, start, end + 1));
            from = end + 1;
        }
    }

    /** The first tag naming {@code name}, if the prompt has one. */
    public static Optional<Tag> find(String prompt, String name) {
        return parse(prompt).stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /**
     * The prompt with {@code name} at {@code weight}: its first tag's weight rewritten in place (its
     * further arguments, such as a separate UNet weight, kept; duplicates removed), or a new tag at
     * the end, after a space, as AUTOMATIC1111's extra-networks cards add it.
     */
    public static String with(String prompt, String name, double weight) {
        String p = prompt == null ? "" : prompt;
        Optional<Tag> first = find(p, name);
        if (first.isEmpty()) {
            String tag = OPEN + name + ":" + format(weight) + ">";
            String stripped = p.stripTrailing();
            return stripped.isEmpty() ? tag : stripped + " " + tag;
        }
        String[] args = p.substring(first.get().start() + OPEN.length(), first.get().end() - 1).split(":", -1);
        java.util.List<String> items = new java.util.ArrayList<>(java.util.Arrays.asList(args));
        if (items.size() > 1 && !items.get(1).contains("=")) items.set(1, format(weight));
        else items.add(1, format(weight));
        String tag = OPEN + String.join(":", items) + ">";
        String rewritten = p.substring(0, first.get().start()) + tag + p.substring(first.get().end());
        // Later tags of the same name would apply it twice.
        int keep = first.get().start() + tag.length();
        return rewritten.substring(0, keep) + without(rewritten.substring(keep), name);
    }

    /** The prompt without any tag naming {@code name}, each with one space before it (or after, at the start). */
    public static String without(String prompt, String name) {
        String p = prompt == null ? "" : prompt;
        StringBuilder out = new StringBuilder(p.length());
        int at = 0;
        for (Tag t : parse(p)) {
            if (!t.name().equals(name)) continue;
            int start = t.start(), end = t.end();
            if (start > at && p.charAt(start - 1) == ' ') start--;
            else if (end < p.length() && p.charAt(end) == ' ' && start == at) end++;
            out.append(p, at, start);
            at = end;
        }
        return out.append(p.substring(at)).toString();
    }

    /** A weight as AUTOMATIC1111's cards write it: 1, 0.8, -0.25 (no trailing zeros, no exponent). */
    public static String format(double weight) {
        BigDecimal d = BigDecimal.valueOf(weight).stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
    }
}
