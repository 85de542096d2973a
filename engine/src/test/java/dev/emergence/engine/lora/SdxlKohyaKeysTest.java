package dev.emergence.engine.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.pipeline.CancellationToken;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.pipeline.GenerationResult;
import dev.emergence.engine.pipeline.LoadedModel;
import dev.emergence.engine.pipeline.StepListener;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.scheduler.SchedulerKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kohya's SDXL LoRAs, whose UNet keys name the original (SGM) UNet's blocks: renamed to diffusers'
 * modules exactly as diffusers renames them, and applied to an SDXL model.
 */
class SdxlKohyaKeysTest {
    @TempDir
    Path dir;

    /**
     * reference/lora/sgm_keys.json: diffusers 0.30.3's own _maybe_map_sgm_blocks_to_diffusers and
     * _convert_unet_lora_key run on one key of every kind of layer, for 2 and 1 layers per block
     * (engine/tools/reference/make_sgm_lora_key_refs.py).
     */
    @Test
    void sgmBlockKeysAreRenamedAsDiffusersRenamesThem() throws Exception {
        JsonNode cases;
        try (InputStream in = getClass().getResourceAsStream("/reference/lora/sgm_keys.json")) {
            cases = new ObjectMapper().readTree(in).get("cases");
        }
        assertTrue(cases.size() >= 50, "cases: " + cases.size());
        for (JsonNode c : cases) {
            String key = c.get("key").asText();
            String module = LoraKeys.parse(key).orElseThrow().module();
            // diffusers' name of the same layer, as a module path: its peft-style key read by the engine.
            String expected = LoraKeys.parse("unet." + c.get("diffusers").asText()).orElseThrow().module();
            assertEquals(Optional.of(expected), SgmBlocks.toDiffusers(module, c.get("layers_per_block").asInt()), key);
        }
        // Keys already in diffusers' naming (kohya's SD 1.x LoRAs) are left to the ordinary match.
        assertEquals(Optional.empty(), SgmBlocks.toDiffusers("down_blocks_0_attentions_0_proj_in", 2));
    }

    /**
     * A kohya-style SDXL LoRA on the tiny SDXL test model (one layer per block, so input block 3 is
     * its second down block's first resnet and attention): every layer matches, and the picture changes.
     */
    @Test
    void anSdxlKohyaLoraMatchesTheTinySdxlModel() throws Exception {
        Path model = Path.of("testmodels", "tiny-sdxl");
        int width = 24; // the second down block's channels (block_out_channels [16, 24])
        Path lora = write(dir.resolve("sgm.safetensors"), List.of(
                "lora_unet_input_blocks_3_1_transformer_blocks_0_attn1_to_q",
                "lora_unet_input_blocks_3_1_transformer_blocks_0_attn2_to_out_0",
                "lora_unet_middle_block_1_transformer_blocks_0_attn1_to_v"), 2, width, width);
        GenerationRequest req = new GenerationRequest("a cat", "", 64, 64, 2, 5.0, 3, SchedulerKind.EULER, 1.0, 0, null, null, null);
        try (LoadedModel m = LoadedModel.open(model, ExecutionOptions.cpu())) {
            GenerationResult plain = m.pipeline().generate(req, null, null, StepListener.NONE, new CancellationToken());
            LoraChange change = m.applyLoras(List.of(new LoraWeight(lora, "sgm", 1.0)), LoraMerger.Progress.NONE, new CancellationToken());
            assertEquals(List.of(), change.notices(), "every layer matched");
            assertTrue(change.rebuilt().contains(LoraTarget.UNET));
            GenerationResult styled = m.pipeline().generate(req, null, null, StepListener.NONE, new CancellationToken());
            assertFalse(Arrays.equals(pixels(plain), pixels(styled)), "the LoRA changes the picture");
        }
    }

    /** A kohya LoRA file: for each layer a down [rank, in] and up [out, rank] of float32 values and an alpha. */
    static Path write(Path file, List<String> layers, int rank, int in, int out) throws Exception {
        StringBuilder header = new StringBuilder("{");
        ByteBuffer data = ByteBuffer.allocate(layers.size() * 4 * (rank * in + out * rank + 1)).order(ByteOrder.LITTLE_ENDIAN);
        java.util.Random random = new java.util.Random(5);
        for (String layer : layers) {
            int start = data.position();
            for (int i = 0; i < rank * in; i++) data.putFloat((float) random.nextGaussian());
            int mid = data.position();
            for (int i = 0; i < out * rank; i++) data.putFloat((float) random.nextGaussian());
            int end = data.position();
            data.putFloat(rank);
            if (header.length() > 1) header.append(',');
            header.append(String.format("\"%s.lora_down.weight\":{\"dtype\":\"F32\",\"shape\":[%d,%d],\"data_offsets\":[%d,%d]},", layer, rank, in, start, mid));
            header.append(String.format("\"%s.lora_up.weight\":{\"dtype\":\"F32\",\"shape\":[%d,%d],\"data_offsets\":[%d,%d]},", layer, out, rank, mid, end));
            header.append(String.format("\"%s.alpha\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[%d,%d]}", layer, end, end + 4));
        }
        byte[] h = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
        byte[] all = new byte[8 + h.length + data.position()];
        System.arraycopy(len.array(), 0, all, 0, 8);
        System.arraycopy(h, 0, all, 8, h.length);
        System.arraycopy(data.array(), 0, all, 8 + h.length, data.position());
        return Files.write(file, all);
    }

    private static int[] pixels(GenerationResult r) {
        return r.image().getRGB(0, 0, r.image().getWidth(), r.image().getHeight(), null, 0, r.image().getWidth());
    }
}
