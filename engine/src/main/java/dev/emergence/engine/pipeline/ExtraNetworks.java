package dev.emergence.engine.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * AUTOMATIC1111's extra-network tags ({@code <lora:name:0.8>}, {@code <hypernet:name:1>}, ...),
 * which it takes out of a prompt before encoding it (modules/extra_networks.py parse_prompt:
 * {@code re.sub(r"<(\w+):([^>]+)>", "", prompt)}). The engine applies none of them, so a prompt read
 * from such a picture is encoded as AUTOMATIC1111 encodes it, without them.
 *
 * <p>Scanned in time linear in the prompt's length: a tag is '<', a run of word characters, ':'
 * right after the run (':' is not a word character, so it can only follow the whole run) and at
 * least one character before the next '>'.
 *
 * @param text the prompt without its tags
 * @param tags the tags taken out, in order
 */
record ExtraNetworks(String text, List<String> tags) {

    static ExtraNetworks strip(String prompt) {
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

    /** Python's \w on str: letters, digits and other numerals, and '_'. */
    static boolean isWord(int cp) {
        return cp == '_' || Character.isLetter(cp) || switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> true;
            default -> false;
        };
    }
}
