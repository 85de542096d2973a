package dev.emergence.engine.lora;

import java.util.List;
import java.util.Set;

/**
 * What applying a set of LoRAs did.
 *
 * @param notices one line per LoRA whose layers partly matched nothing (or held tensors the engine does not read)
 * @param rebuilt the networks whose sessions were made again; empty when the LoRAs were those already applied
 */
public record LoraChange(List<String> notices, Set<LoraTarget> rebuilt) {
    public LoraChange {
        notices = List.copyOf(notices);
        rebuilt = Set.copyOf(rebuilt);
    }
}
