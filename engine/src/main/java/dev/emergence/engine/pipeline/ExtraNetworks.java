package dev.emergence.engine.pipeline;

import dev.emergence.engine.InvalidRequestException;

import java.util.ArrayList;
import java.util.List;

/**
 * AUTOMATIC1111's extra-network tags ({@code <lora:name:0.8>}, {@code <hypernet:name:1>}, ...),
 * which it takes out of a prompt before encoding it (modules/extra_networks.py parse_prompt:
 * {@code re.sub(r"<(\w+):([^>]+)>", "", prompt)}); so does the engine. Of them it applies LoRA tags
 * ({@link #loras}: {@code <lora:NAME>} or {@code <lora:NAME:WEIGHT>}, the weight 1 when absent); the
 * others are named as ignored.
 *
 * <p>Scanned in time linear in the prompt's length: a tag is '<', a run of word characters, ':'
 * right after the run (':' is not a word character, so it can only follow the whole run) and at
 * least one character before the next '>'.
 *
 * @param text the prompt without its tags
 * @param tags the tags taken out, in order
 */
public record ExtraNetworks(String text, List<String> tags) {
    private static final String LORA = "<lora:";

    /**
     * A LoRA tag of a prompt.
     *
     * @param tag    the tag as written
     * @param name   the LoRA's name (AUTOMATIC1111's first item)
     * @param weight     its weight on the text encoders (the second item, or {@code te=}; 1 when absent)
     * @param unetWeight its weight on the UNet (the third item, or {@code unet=}; the text encoders' when absent)
     */
    public record LoraTag(String tag, String name, double weight, double unetWeight) {
        /** A tag with one weight for both. */
        public LoraTag(String tag, String name, double weight) {
            this(tag, name, weight, weight);
        }
    }

    /** The prompt without its tags, and the tags. */
    public static ExtraNetworks strip(String prompt) {
        StringBuilder out = new StringBuilder(prompt.length());
        List<String> tags = new ArrayList<>();
        int n = prompt.length();
        int nextGt = -2; // the first '>' at or after the last search start; -1 when there is none
        int i = 0;
        while (i < n) {
            char c = prompt.charAt(i);
            if (c != '<') {
                out.append(c);
                i++;
                continue;
            }
            int e = i + 1;
            while (e < n && isWord(prompt.codePointAt(e))) e += Character.charCount(prompt.codePointAt(e));
            if (e == i + 1 || e >= n || prompt.charAt(e) != ':') {
                out.append(c);
                i++;
                continue;
            }
            if (nextGt != -1 && nextGt < e + 1) nextGt = prompt.indexOf('>', e + 1);
            if (nextGt < 0 || nextGt == e + 1) { // no '>' after the ':', or nothing between them
                out.append(c);
                i++;
                continue;
            }
            tags.add(prompt.substring(i, nextGt + 1));
            i = nextGt + 1;
        }
        return new ExtraNetworks(out.toString(), List.copyOf(tags));
    }

    /** The LoRA tags among the tags, in order. */
    public List<LoraTag> loras() throws InvalidRequestException {
        List<LoraTag> out = new ArrayList<>();
        for (String tag : tags) {
            if (!tag.startsWith(LORA)) continue;
            // A1111's ExtraNetworkParams: items with '=' are named, the others positional (the name first);
            // extra_networks_lora.py reads te = positional[1] or te=, unet = positional[2] or unet=, else te.
            String[] items = tag.substring(LORA.length(), tag.length() - 1).split(":", -1);
            List<String> positional = new ArrayList<>();
            java.util.Map<String, String> named = new java.util.HashMap<>();
            for (String item : items) {
                int eq = item.indexOf('=');
                if (eq >= 0) named.put(item.substring(0, eq), item.substring(eq + 1));
                else positional.add(item);
            }
            String name = positional.isEmpty() ? items[0] : positional.get(0);
            double te = positional.size() > 1 ? number(tag, name, positional.get(1)) : 1.0;
            if (named.containsKey("te")) te = number(tag, name, named.get("te"));
            double unet = positional.size() > 2 ? number(tag, name, positional.get(2)) : te;
            if (named.containsKey("unet")) unet = number(tag, name, named.get("unet"));
            out.add(new LoraTag(tag, name.strip(), te, unet));
        }
        return List.copyOf(out);
    }

    private static double number(String tag, String name, String text) throws InvalidRequestException {
        double v;
        try {
            v = Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            v = Double.NaN;
        }
        if (!Double.isFinite(v)) {
            throw new InvalidRequestException("prompt: " + tag + " has the weight '" + text + "'; expected a number, as in <lora:"
                    + name + ":0.8>");
        }
        return v;
    }

    /** The tags that are not LoRA tags. */
    public List<String> otherTags() {
        return tags.stream().filter(t -> !t.startsWith(LORA)).toList();
    }

    /** The prompt with its tags other than LoRA tags taken out (a picture's prompt keeps its LoRAs). */
    public static String withoutOtherTags(String prompt) {
        StringBuilder out = new StringBuilder(prompt.length());
        ExtraNetworks e = strip(prompt);
        int from = 0;
        for (String tag : e.tags()) {
            int at = prompt.indexOf(tag, from);
            out.append(prompt, from, at);
            if (tag.startsWith(LORA)) out.append(tag);
            from = at + tag.length();
        }
        return out.append(prompt, from, prompt.length()).toString();
    }

    /** Python's \w on str: letters, digits and other numerals, and '_'. */
    static boolean isWord(int cp) {
        return cp == '_' || Character.isLetter(cp) || switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> true;
            default -> false;
        };
    }
}
