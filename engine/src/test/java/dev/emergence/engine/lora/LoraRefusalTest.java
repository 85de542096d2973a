package dev.emergence.engine.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.model.ModelBundle;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A LoRA change that fails (a file matching nothing, a malformed file, a layer of another shape,
 * cancellation) is refused in one line and leaves the sessions as they were: the model still gives
 * torch's outputs for the LoRAs applied before (reference/lora/reference.json, see LoraReferenceTest).
 */
class LoraRefusalTest {
    @TempDir
    Path dir;

    private static final String F32_PAIR = "\"%s.lora_down.weight\":{\"dtype\":\"F32\",\"shape\":[2,%d],\"data_offsets\":[0,%d]},"
            + "\"%s.lora_up.weight\":{\"dtype\":\"F32\",\"shape\":[%d,2],\"data_offsets\":[%d,%d]}";

    /** A LoRA with one layer of rank 2, {@code out} x {@code in}, its values all 0.1. */
    private Path oneLayer(String file, String key, int out, int in) throws Exception {
        int downBytes = 8 * in, upBytes = 8 * out;
        String header = "{" + String.format(F32_PAIR, key, in, downBytes, key, out, downBytes, downBytes + upBytes) + "}";
        java.nio.ByteBuffer data = java.nio.ByteBuffer.allocate(downBytes + upBytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        while (data.hasRemaining()) data.putFloat(0.1f);
        return SafeTensorsTest.write(dir.resolve(file), header, data.array());
    }

    @Test
    void aFailedChangeKeepsTheSessionsWorking() throws Exception {
        JsonNode refs;
        try (InputStream in = getClass().getResourceAsStream("/reference/lora/reference.json")) {
            refs = new ObjectMapper().readTree(in);
        }
        LoraWeight kohya = new LoraWeight(LoraReferenceTest.KOHYA, "kohya-style", 0.8);
        try (ModelBundle bundle = ModelBundle.open(LoraReferenceTest.TINY_LORA, ExecutionOptions.cpu(1))) {
            bundle.applyLoras(List.of(kohya), LoraMerger.Progress.NONE, () -> false);

            Path nothing = oneLayer("nothing.safetensors", "lora_unet_no_such_block_to_q", 4, 4);
            LoraException e = assertThrows(LoraException.class, () -> bundle.applyLoras(
                    List.of(kohya, new LoraWeight(nothing, "nothing", 1)), LoraMerger.Progress.NONE, () -> false));
            assertEquals("nothing: none of its 1 LoRA layers matches a layer of this model (such as 'lora_unet_no_such_block_to_q');"
                    + " expected a LoRA made for this model's family", e.getMessage());

            Path wrongShape = oneLayer("wide.safetensors", "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q", 5, 16);
            e = assertThrows(LoraException.class, () -> bundle.applyLoras(List.of(new LoraWeight(wrongShape, "wide", 1)),
                    LoraMerger.Progress.NONE, () -> false));
            assertTrue(e.getMessage().startsWith("wide: layer 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q' makes a [5,16]"
                    + " update"), e.getMessage());

            Path malformed = SafeTensorsTest.write(dir.resolve("broken.safetensors"), "{not json", new byte[0]);
            e = assertThrows(LoraException.class, () -> bundle.applyLoras(List.of(new LoraWeight(malformed, "broken", 1)),
                    LoraMerger.Progress.NONE, () -> false));
            assertTrue(e.getMessage().startsWith("broken: its header is not valid JSON"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));

            assertThrows(CancellationException.class, () -> bundle.applyLoras(List.of(new LoraWeight(LoraReferenceTest.PEFT, "peft-style", 1)),
                    LoraMerger.Progress.NONE, () -> true));

            assertEquals(List.of(kohya), bundle.appliedLoras());
            JsonNode inputs = refs.get("inputs"), expected = refs.get("cases").get("kohya-style@0.8");
            Tensor last = bundle.textEncoder().encode(new int[][] {LoraReferenceTest.ints(inputs.get("input_ids"))});
            LoraReferenceTest.assertClose("after refusals, last_hidden_state", LoraReferenceTest.floats(expected.get("last_hidden_state")), last.data());
            Tensor sample = new Tensor(LoraReferenceTest.floats(inputs.get("sample")), LoraReferenceTest.ints(inputs.get("sample_shape")));
            Tensor ehs = new Tensor(LoraReferenceTest.floats(inputs.get("encoder_hidden_states")),
                    LoraReferenceTest.ints(inputs.get("encoder_hidden_states_shape")));
            Tensor out = bundle.denoiser().predict(sample, inputs.get("timestep").asDouble(), ehs);
            LoraReferenceTest.assertClose("after refusals, out_sample", LoraReferenceTest.floats(expected.get("out_sample")), out.data());
        }
    }

    /** A LoRA of UNet layers only rebuilds the UNet's session, on and off; the text encoder's stays. */
    @Test
    void onlyTheSessionsALoraTouchesAreRebuilt() throws Exception {
        Path unetOnly = oneLayer("unet-only.safetensors", "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q", 16, 16);
        try (ModelBundle bundle = ModelBundle.open(LoraReferenceTest.TINY_LORA, ExecutionOptions.cpu(1))) {
            int[][] ids = {new int[77]};
            float[] before = bundle.textEncoder().encode(ids).data();
            LoraChange on = bundle.applyLoras(List.of(new LoraWeight(unetOnly, "unet-only", 1)), LoraMerger.Progress.NONE, () -> false);
            assertEquals(java.util.Set.of(LoraTarget.UNET), on.rebuilt());
            assertEquals(List.of(), on.notices());
            org.junit.jupiter.api.Assertions.assertArrayEquals(before, bundle.textEncoder().encode(ids).data());
            assertEquals(java.util.Set.of(LoraTarget.UNET), bundle.applyLoras(List.of(), LoraMerger.Progress.NONE, () -> false).rebuilt());
        }
    }

    @Test
    void aFileOfNoLoraLayersIsRefused() throws Exception {
        Path f = SafeTensorsTest.write(dir.resolve("weights.safetensors"),
                "{\"model.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
        LoraException e = assertThrows(LoraException.class, () -> LoraFile.open(f, "weights"));
        assertTrue(e.getMessage().startsWith("weights: has no LoRA layers (1 tensors); expected kohya keys"), e.getMessage());
    }

    @Test
    void namesResolveOnlyInsideTheLorasFolder() throws Exception {
        Path loras = Files.createDirectories(dir.resolve("models").resolve("loras"));
        Files.createDirectories(loras.resolve("styles"));
        Files.copy(LoraReferenceTest.KOHYA, loras.resolve("styles").resolve("ink.safetensors"));
        Files.copy(LoraReferenceTest.PEFT, dir.resolve("outside.safetensors"));
        LoraLibrary library = new LoraLibrary(loras);

        assertEquals(loras.resolve("styles/ink.safetensors"), library.find("styles/ink").orElseThrow());
        assertEquals(loras.resolve("styles/ink.safetensors"), library.find("ink").orElseThrow()); // by file name, in a subfolder
        assertTrue(library.find("missing").isEmpty());
        for (String bad : List.of("../outside", "../../outside.safetensors", dir.resolve("outside").toAbsolutePath().toString(), "styles/../../outside")) {
            LoraException e = assertThrows(LoraException.class, () -> library.find(bad), bad);
            assertTrue(e.getMessage().contains("leads outside the loras folder"), e.getMessage());
        }
        Files.createSymbolicLink(loras.resolve("link.safetensors"), dir.resolve("outside.safetensors"));
        LoraException e = assertThrows(LoraException.class, () -> library.find("link"));
        assertTrue(e.getMessage().startsWith("LoRA 'link' leads outside the loras folder (to "), e.getMessage());
    }

    @Test
    void keyConventions() {
        LoraKeys.Parsed p = LoraKeys.parse("unet.mid_block.attentions.0.transformer_blocks.0.attn1.processor.to_out_lora.down.weight").orElseThrow();
        assertEquals("mid_block.attentions.0.transformer_blocks.0.attn1.to_out.0", p.module());
        assertEquals(LoraKeys.Role.DOWN, p.role());
        p = LoraKeys.parse("lora_te2_text_model_encoder_layers_0_self_attn_q_proj.alpha").orElseThrow();
        assertEquals(LoraTarget.TEXT_ENCODER_2, p.target());
        assertEquals("text_model_encoder_layers_0_self_attn_q_proj", p.module());
        p = LoraKeys.parse("text_encoder.text_model.encoder.layers.0.mlp.fc1.lora_B.weight").orElseThrow();
        assertEquals(LoraTarget.TEXT_ENCODER, p.target());
        assertEquals(LoraKeys.Role.UP, p.role());
        assertTrue(LoraKeys.parse("lora_unet_down_blocks_0_resnets_0_conv1.hada_w1_a").isEmpty(), "LoHa is not read");
    }

    @Test
    void hashIsAutomatic1111s() throws Exception {
        JsonNode refs;
        try (InputStream in = getClass().getResourceAsStream("/reference/lora/reference.json")) {
            refs = new ObjectMapper().readTree(in);
        }
        // make_lora_models.py computed these with hashlib, as AUTOMATIC1111's addnet_hash_safetensors does
        assertEquals(refs.get("lora_hashes").get("kohya-style").asText(), LoraLibrary.shortHash(LoraReferenceTest.KOHYA));
        assertEquals(refs.get("lora_hashes").get("peft-style").asText(), LoraLibrary.shortHash(LoraReferenceTest.PEFT));
    }
}
