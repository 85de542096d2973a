package dev.emergence.engine.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.model.ModelBundle;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * LoRAs merged at session creation against torch. {@code reference/lora/reference.json} came from
 * {@code engine/testmodels/make_lora_models.py}: diffusers 0.30.3's UNet2DConditionModel (tiny SD 1.x
 * configuration) and a CLIP text encoder with transformers' CLIPTextModel module paths, their weights
 * merged in torch by W + weight · (alpha / rank) · up · down from the very tensors of the two LoRA files
 * in {@code tiny-lora/loras/} (kohya keys in float16 with alphas, a LoCon conv and a 1x1 conv; peft keys
 * in float32 and bfloat16, a Gemm, the {@code lora.down} variant), then run on fixed inputs.
 */
class LoraReferenceTest {
    static final Path TINY_LORA = Path.of("testmodels", "tiny-lora");
    static final Path KOHYA = TINY_LORA.resolve("loras").resolve("kohya-style.safetensors");
    static final Path PEFT = TINY_LORA.resolve("loras").resolve("peft-style.safetensors");
    private static final double TOL = 1e-4;
    private static JsonNode refs;
    private static ModelBundle bundle;

    @BeforeAll
    static void open() throws Exception {
        try (InputStream in = LoraReferenceTest.class.getResourceAsStream("/reference/lora/reference.json")) {
            assertNotNull(in, "missing test resource reference/lora/reference.json");
            refs = new ObjectMapper().readTree(in);
        }
        bundle = ModelBundle.open(TINY_LORA, ExecutionOptions.cpu(1));
    }

    @AfterAll
    static void close() {
        if (bundle != null) bundle.close();
    }

    @Test
    void mergedSessionsMatchTorchAndOnlyChangedSessionsAreRebuilt() throws Exception {
        LoraWeight kohya = new LoraWeight(KOHYA, "kohya-style", 0.8);
        LoraWeight peft = new LoraWeight(PEFT, "peft-style", 1.0);

        LoraChange k = bundle.applyLoras(List.of(kohya), LoraMerger.Progress.NONE, () -> false);
        assertEquals(Set.of(LoraTarget.UNET, LoraTarget.TEXT_ENCODER), k.rebuilt());
        assertEquals(List.of("kohya-style: 1 of 9 LoRA layers matched nothing: lora_unet_down_blocks_7_attentions_0_transformer_blocks_0_attn1_to_v"),
                k.notices());
        check("kohya-style@0.8");
        // the same LoRAs again: nothing to rebuild
        assertEquals(Set.of(), bundle.applyLoras(List.of(kohya), LoraMerger.Progress.NONE, () -> false).rebuilt());

        LoraChange p = bundle.applyLoras(List.of(peft), LoraMerger.Progress.NONE, () -> false);
        assertEquals(List.of("peft-style: 1 of 8 LoRA layers matched nothing: unet.down_blocks.0.attentions.0.transformer_blocks.0.attn9.to_q"),
                p.notices());
        check("peft-style@1");

        List<Integer> progress = new ArrayList<>();
        bundle.applyLoras(List.of(kohya, new LoraWeight(PEFT, "peft-style", -0.5)), (t, done, total) -> progress.add(done), () -> false);
        assertTrue(!progress.isEmpty(), "progress is reported");
        check("kohya-style@0.8+peft-style@-0.5");
        assertEquals(2, bundle.appliedLoras().size());

        assertEquals(Set.of(LoraTarget.UNET, LoraTarget.TEXT_ENCODER),
                bundle.applyLoras(List.of(), LoraMerger.Progress.NONE, () -> false).rebuilt());
        check("base");
    }

    private void check(String name) throws Exception {
        JsonNode inputs = refs.get("inputs"), expected = refs.get("cases").get(name);
        assertNotNull(expected, name);
        int[][] ids = {ints(inputs.get("input_ids"))};
        Tensor last = bundle.textEncoder().encode(ids);
        assertClose(name + " last_hidden_state", floats(expected.get("last_hidden_state")), last.data());
        Tensor sample = new Tensor(floats(inputs.get("sample")), ints(inputs.get("sample_shape")));
        Tensor ehs = new Tensor(floats(inputs.get("encoder_hidden_states")), ints(inputs.get("encoder_hidden_states_shape")));
        Tensor out = bundle.denoiser().predict(sample, inputs.get("timestep").asDouble(), ehs);
        assertClose(name + " out_sample", floats(expected.get("out_sample")), out.data());
    }

    static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > TOL * (1 + Math.abs(expected[i]))) {
                fail(what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]);
            }
        }
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) array.get(i).asDouble();
        return out;
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }
}
