package dev.emergence.engine.lora;

/**
 * One low-rank update of a LoRA file: W' = W + weight · (alpha / rank) · up · down.
 *
 * @param key      the layer's name as the file writes it, without the down/up/alpha suffix
 * @param target   the network it changes
 * @param module   the module it names: a dotted torch module path for diffusers/peft keys
 *                 ({@code down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q}), or kohya's
 *                 form of one, the path with '_' for '.' ({@code down_blocks_0_attentions_0_…_to_q})
 * @param kohya    true when {@code module} is in kohya's underscore form
 * @param down     the name of the down tensor [rank, in(, kh, kw)]
 * @param up       the name of the up tensor [out, rank(, 1, 1)]
 * @param alpha    the layer's alpha, or NaN when the file gives none (then alpha = rank)
 */
public record LoraLayer(String key, LoraTarget target, String module, boolean kohya, String down, String up, double alpha) {
}
