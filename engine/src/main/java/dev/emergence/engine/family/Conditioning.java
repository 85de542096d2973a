package dev.emergence.engine.family;

import dev.emergence.engine.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The UNet's conditioning for one generation, batched as the loop runs the latents: [uncond; cond]
 * when {@code guided}, else [cond].
 *
 * @param encoderHiddenStates [B, windows·77, D]
 * @param extraInputs         further UNet inputs by their export names, each [B, N]
 * @param guided              classifier-free guidance: the loop runs the latents twice and mixes by CFG
 * @param windows             77-token windows per prompt
 * @param tokenCount          content tokens of the prompt
 * @param unknownWords        words the vocabulary does not know
 * @param notices             what the family changed or ignored, for the artist ("negative prompt ignored: …")
 * @param textEncodeNanos     time in the text encoders themselves
 */
public record Conditioning(Tensor encoderHiddenStates, Map<String, Tensor> extraInputs, boolean guided, int windows,
                           int tokenCount, List<String> unknownWords, List<String> notices, long textEncodeNanos) {
    public Conditioning {
        extraInputs = Map.copyOf(extraInputs);
        unknownWords = List.copyOf(unknownWords);
        notices = List.copyOf(notices);
    }

    /**
     * A negative prompt with guidance off (CFG 1 or less, as Turbo models run) is never encoded: say so.
     */
    static List<String> unguidedNotice(Conditioner.TextRequest r) {
        return r.cfgScale() <= 1.0 && !r.negativePrompt().isBlank()
                ? List.of("negative prompt ignored: CFG " + r.cfgScale() + " runs no unconditional pass (above 1 it does)")
                : List.of();
    }

    Conditioning withExtra(String name, Tensor value, boolean nowGuided, List<String> moreNotices) {
        Map<String, Tensor> extra = new java.util.LinkedHashMap<>(extraInputs);
        extra.put(name, value);
        List<String> all = new java.util.ArrayList<>(notices);
        all.addAll(moreNotices);
        return new Conditioning(encoderHiddenStates, extra, nowGuided, windows, tokenCount, unknownWords, all, textEncodeNanos);
    }
}
