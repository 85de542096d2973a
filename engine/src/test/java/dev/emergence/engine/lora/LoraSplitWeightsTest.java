package dev.emergence.engine.lora;

import dev.emergence.engine.model.ModelBundle;
import dev.emergence.engine.pipeline.ExtraNetworks;
import dev.emergence.engine.runtime.ExecutionOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * AUTOMATIC1111's separate text-encoder and UNet weights, {@code <lora:NAME:te:unet>} or
 * {@code te=} / {@code unet=}, as its extensions-builtin/Lora/extra_networks_lora.py reads them
 * (te = positional[1] or te=, else 1; unet = positional[2] or unet=, else te); a network at weight 0
 * is left as it is.
 */
class LoraSplitWeightsTest {
    @Test
    void tagsGiveTheTextEncoderAndUNetWeightsAsAutomatic1111ReadsThem() throws Exception {
        List<ExtraNetworks.LoraTag> tags = ExtraNetworks.strip(
                "a <lora:a> <lora:b:0.5> <lora:c:0.5:0.8> <lora:d:te=0.3:unet=0.9> <lora:e:0.7:unet=0.2> <lora:f:unet=0.2>").loras();
        assertEquals(List.of(1.0, 0.5, 0.5, 0.3, 0.7, 1.0), tags.stream().map(ExtraNetworks.LoraTag::weight).toList());
        assertEquals(List.of(1.0, 0.5, 0.8, 0.9, 0.2, 0.2), tags.stream().map(ExtraNetworks.LoraTag::unetWeight).toList());
        assertEquals(List.of("a", "b", "c", "d", "e", "f"), tags.stream().map(ExtraNetworks.LoraTag::name).toList());
    }

    @Test
    void aNetworkAtWeightZeroIsLeftAsItIs() throws Exception {
        try (ModelBundle bundle = ModelBundle.open(LoraReferenceTest.TINY_LORA, ExecutionOptions.cpu(1))) {
            LoraChange unetOnly = bundle.applyLoras(List.of(new LoraWeight(LoraReferenceTest.KOHYA, "kohya-style", 0, 1)),
                    LoraMerger.Progress.NONE, () -> false);
            assertEquals(Set.of(LoraTarget.UNET), unetOnly.rebuilt());
            LoraChange textOnly = bundle.applyLoras(List.of(new LoraWeight(LoraReferenceTest.KOHYA, "kohya-style", 1, 0)),
                    LoraMerger.Progress.NONE, () -> false);
            assertEquals(Set.of(LoraTarget.UNET, LoraTarget.TEXT_ENCODER), textOnly.rebuilt(), "the UNet back to its own weights, the encoder merged");
            LoraChange both = bundle.applyLoras(List.of(new LoraWeight(LoraReferenceTest.KOHYA, "kohya-style", 1, 1)),
                    LoraMerger.Progress.NONE, () -> false);
            assertEquals(Set.of(LoraTarget.UNET), both.rebuilt(), "the encoder already carries it at 1");
        }
    }
}
