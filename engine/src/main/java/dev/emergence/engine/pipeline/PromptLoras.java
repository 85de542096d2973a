package dev.emergence.engine.pipeline;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.lora.LoraException;
import dev.emergence.engine.lora.LoraLibrary;
import dev.emergence.engine.lora.LoraWeight;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The LoRAs a prompt's {@code <lora:NAME:WEIGHT>} tags ask for, found in the library's loras folder.
 * A name the folder does not have is named as missing (AUTOMATIC1111 too generates without it); a name
 * that would reach outside the folder is refused.
 *
 * @param loras   the LoRAs found, in the prompt's order
 * @param missing one line per name the folder does not have
 */
public record PromptLoras(List<LoraWeight> loras, List<String> missing) {
    public PromptLoras {
        loras = List.copyOf(loras);
        missing = List.copyOf(missing);
    }

    /** The LoRAs {@code prompt} names, looked up in {@code library}. */
    public static PromptLoras of(String prompt, LoraLibrary library) throws InvalidRequestException {
        List<LoraWeight> found = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (ExtraNetworks.LoraTag tag : ExtraNetworks.strip(prompt).loras()) {
            Optional<Path> file = library.find(tag.name());
            if (file.isPresent()) found.add(new LoraWeight(file.get(), tag.name(), tag.weight(), tag.unetWeight()));
            else missing.add("LoRA '" + tag.name() + "' (" + tag.tag() + " in the prompt) is not in the loras folder " + library.folder()
                    + "; generating without it");
        }
        return new PromptLoras(found, missing);
    }

    /**
     * The {@code Lora hashes} of {@code loras} as AUTOMATIC1111 writes them: each name (as the prompt
     * names it) with its file's hash, in order.
     */
    public static Map<String, String> hashes(List<LoraWeight> loras) throws LoraException {
        Map<String, String> out = new LinkedHashMap<>();
        for (LoraWeight w : loras) out.putIfAbsent(w.name(), LoraLibrary.shortHash(w.file()));
        return out;
    }
}
