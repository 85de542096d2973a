package dev.emergence.engine.lora;

import java.util.List;
import java.util.Optional;

/**
 * The two ways LoRA files name their tensors.
 * <ul>
 *   <li>kohya's (sd-scripts): {@code lora_unet_} / {@code lora_te_} (SDXL: {@code lora_te1_},
 *       {@code lora_te2_}) + the module path with '_' for '.', then {@code .lora_down.weight},
 *       {@code .lora_up.weight} and {@code .alpha}; LoCon convolutions are named the same way.</li>
 *   <li>diffusers/peft's: {@code unet.} / {@code text_encoder.} / {@code text_encoder_2.} + the module
 *       path, then {@code .lora_A.weight} / {@code .lora_B.weight} (or {@code .lora.down.weight} /
 *       {@code .lora.up.weight}, and the older attention-processor form {@code attn1.processor.to_q_lora.down.weight}),
 *       with an optional {@code .alpha}.</li>
 * </ul>
 */
final class LoraKeys {
    /** Which role a tensor plays in its layer. */
    enum Role { DOWN, UP, ALPHA }

    /**
     * A tensor name read: the name itself, its layer's key (the name without the role suffix), target, module and role.
     */
    record Parsed(String tensor, String layerKey, LoraTarget target, String module, boolean kohya, Role role) {
    }

    private record Prefix(String text, LoraTarget target, boolean kohya) {
    }

    private record Suffix(String text, Role role) {
    }

    private static final List<Prefix> PREFIXES = List.of(
            new Prefix("lora_unet_", LoraTarget.UNET, true),
            new Prefix("lora_te1_", LoraTarget.TEXT_ENCODER, true),
            new Prefix("lora_te2_", LoraTarget.TEXT_ENCODER_2, true),
            new Prefix("lora_te_", LoraTarget.TEXT_ENCODER, true),
            new Prefix("unet.", LoraTarget.UNET, false),
            new Prefix("text_encoder_2.", LoraTarget.TEXT_ENCODER_2, false),
            new Prefix("text_encoder.", LoraTarget.TEXT_ENCODER, false));

    private static final List<Suffix> KOHYA_SUFFIXES = List.of(
            new Suffix(".lora_down.weight", Role.DOWN), new Suffix(".lora_up.weight", Role.UP), new Suffix(".alpha", Role.ALPHA));

    private static final List<Suffix> PEFT_SUFFIXES = List.of(
            new Suffix(".lora_A.weight", Role.DOWN), new Suffix(".lora_B.weight", Role.UP),
            new Suffix(".lora.down.weight", Role.DOWN), new Suffix(".lora.up.weight", Role.UP),
            new Suffix("_lora.down.weight", Role.DOWN), new Suffix("_lora.up.weight", Role.UP),
            new Suffix(".alpha", Role.ALPHA));

    private LoraKeys() {
    }

    /** The tensor name read, or empty when it follows neither convention (LoHa, LoKr, DoRA scales, ...). */
    static Optional<Parsed> parse(String name) {
        for (Prefix p : PREFIXES) {
            if (!name.startsWith(p.text())) continue;
            for (Suffix s : p.kohya() ? KOHYA_SUFFIXES : PEFT_SUFFIXES) {
                if (!name.endsWith(s.text()) || name.length() <= p.text().length() + s.text().length()) continue;
                String module = name.substring(p.text().length(), name.length() - s.text().length());
                String layerKey = name.substring(0, name.length() - s.text().length());
                if (s.text().startsWith("_lora")) module = processorModule(module);
                if (module == null) return Optional.empty();
                return Optional.of(new Parsed(name, layerKey, p.target(), module, p.kohya(), s.role()));
            }
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** diffusers' attention-processor form: "…attn1.processor.to_q" names "…attn1.to_q" ("to_out" is "to_out.0"). */
    private static String processorModule(String module) {
        int at = module.lastIndexOf(".processor.");
        if (at < 0) return null;
        String layer = module.substring(at + ".processor.".length());
        return module.substring(0, at) + "." + (layer.equals("to_out") ? "to_out.0" : layer);
    }
}
