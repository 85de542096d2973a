package dev.emergence.engine.family;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.model.DiffusionModels;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.tensor.Tensor;
import dev.emergence.engine.text.ClipTokenizer;
import dev.emergence.engine.text.PromptEmbeddings;
import dev.emergence.engine.text.PromptEncoder;

import java.util.List;
import java.util.Map;

/**
 * SD 1.x and 2.x (and anything with their interface): one CLIP text encoder's last hidden states,
 * with classifier-free guidance when CFG is above 1, as diffusers' StableDiffusionPipeline decides.
 */
public final class ClipConditioner implements Conditioner {
    private final PromptEncoder encoder;

    public ClipConditioner(DiffusionModels.TextEncoder textEncoder, ClipTokenizer tokenizer) {
        this.encoder = new PromptEncoder(textEncoder, tokenizer);
    }

    /**
     * SD's pipelines apply the text model's final layer norm after a skipped layer, and ONNX exports
     * of SD 1.x/2.x encoders carry no such layer apart, so Clip skip cannot be honoured: say so.
     */
    private static java.util.List<String> notices(TextRequest r) {
        java.util.List<String> notices = new java.util.ArrayList<>(Conditioning.unguidedNotice(r));
        if (r.clipSkip() > 1) {
            notices.add("clip skip " + r.clipSkip() + " ignored: this model's ONNX text encoder gives only its last layer "
                    + "(SDXL models take it)");
        }
        return notices;
    }

    @Override
    public Conditioning condition(TextRequest r) throws ModelException, InvalidRequestException {
        boolean guided = r.cfgScale() > 1.0;
        PromptEmbeddings emb = encoder.encode(r.prompt(), r.negativePrompt(), guided);
        Tensor states = guided ? Tensor.concatBatch(emb.uncond(), emb.cond()) : emb.cond();
        return new Conditioning(states, Map.of(), guided, emb.windows(), emb.tokenCount(), emb.unknownWords(),
                notices(r), emb.textEncodeNanos());
    }
}
