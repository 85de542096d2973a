package dev.emergence.engine.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broken model folders (temporary copies of the fixtures) give one-line messages naming the file and what was expected. */
class BadBundleTest {
    private static final String LAYOUT = "expected a diffusers ONNX Stable Diffusion folder "
            + "(model_index.json, tokenizer/, scheduler/, text_encoder/, unet/, vae_decoder/)";

    @TempDir
    Path temp;

    private String openFails(Path dir) {
        ModelException e = assertThrows(ModelException.class, () -> ModelBundle.open(dir, TestModels.CPU).close());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void missingFolder() {
        Path dir = temp.resolve("nowhere");
        assertEquals(dir + ": model folder not found", openFails(dir));
    }

    @Test
    void aFileInsteadOfAFolder() throws Exception {
        Path file = Files.writeString(temp.resolve("model.safetensors"), "x");
        assertEquals(file + ": not a folder; " + LAYOUT, openFails(file));
    }

    @Test
    void missingModelIndex() throws Exception {
        Path dir = TestModels.copyBundle("tiny-sd", temp);
        Files.delete(dir.resolve("model_index.json"));
        assertEquals("tiny-sd/model_index.json not found: " + LAYOUT, openFails(dir));
    }

    @Test
    void missingUnet() throws Exception {
        Path dir = TestModels.copyBundle("tiny-sd", temp);
        Files.delete(dir.resolve("unet/model.onnx"));
        assertEquals("tiny-sd/unet/model.onnx not found: " + LAYOUT, openFails(dir));
    }

    @Test
    void missingTokenizerFiles() throws Exception {
        Path dir = TestModels.copyBundle("tiny-sd", temp);
        Files.delete(dir.resolve("tokenizer/merges.txt"));
        assertEquals("tiny-sd/tokenizer/ has no vocab.json and merges.txt (nor tokenizer.json): " + LAYOUT, openFails(dir));
    }

    @Test
    void corruptSchedulerConfig() throws Exception {
        Path dir = TestModels.copyBundle("tiny-sd", temp);
        Files.writeString(dir.resolve("scheduler/scheduler_config.json"), "{\"_class_name\": \"PNDMScheduler\",");
        assertTrue(openFails(dir).startsWith("tiny-sd/scheduler/scheduler_config.json: not valid JSON ("));
    }

    @Test
    void aTextFileNamedModelOnnx() throws Exception {
        Path dir = TestModels.copyBundle("tiny-sd", temp);
        Files.writeString(dir.resolve("text_encoder/model.onnx"), "this is not a model\n");
        String message = openFails(dir);
        assertTrue(message.startsWith("tiny-sd/text_encoder/model.onnx: not a valid ONNX model ("), message);
    }

    @Test
    void missingExternalWeights() throws Exception {
        Path dir = TestModels.copyBundle("tiny-sd", temp);
        Files.delete(dir.resolve("unet/weights.pb"));
        assertEquals("tiny-sd/unet/model.onnx: cannot read its external weights (weights.pb not found beside it)", openFails(dir));
    }

    @Test
    void wrongTensorNames() throws Exception {
        Path dir = TestModels.copyBundle("tiny-sd", temp);
        Files.copy(dir.resolve("vae_decoder/model.onnx"), dir.resolve("unet/model.onnx"), StandardCopyOption.REPLACE_EXISTING);
        assertEquals("tiny-sd/unet/model.onnx: expected an input like 'sample' [B,4|9,h,w], "
                + "found 'latent_sample' float32 [batch,channels,height,width]", openFails(dir));

        Path other = TestModels.copyBundle("tiny-sd-inpaint", temp);
        Files.copy(other.resolve("unet/model.onnx"), other.resolve("text_encoder/model.onnx"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(other.resolve("unet/model.onnx_data"), other.resolve("text_encoder/model.onnx_data"));
        assertEquals("tiny-sd-inpaint/text_encoder/model.onnx: expected an input like 'input_ids' int32 [B,77], found "
                + "'sample' float32 [batch,channels,height,width], 'timestep' float32 [batch], "
                + "'encoder_hidden_states' float32 [batch,sequence,768]", openFails(other));
    }

    @Test
    void wrongChannelCount() throws Exception {
        Path dir = TestModels.copyBundle("tiny-sd", temp);
        Files.copy(TestModels.ROOT.resolve("misc/unet-3-channels.onnx"), dir.resolve("unet/model.onnx"), StandardCopyOption.REPLACE_EXISTING);
        assertEquals("tiny-sd/unet/model.onnx: expected an input like 'sample' [B,4|9,h,w], "
                + "found 'sample' float32 [batch,3,height,width]", openFails(dir));
    }

    @Test
    void textWidthsThatDoNotMatch() throws Exception {
        Path dir = TestModels.copyBundle("tiny-sd", temp);
        Path sd2 = TestModels.bundle("tiny-sd2-v");
        Files.delete(dir.resolve("unet/weights.pb"));
        Files.copy(sd2.resolve("unet/model.onnx"), dir.resolve("unet/model.onnx"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(sd2.resolve("unet/model.onnx_data"), dir.resolve("unet/model.onnx_data"));
        assertEquals("tiny-sd/unet/model.onnx: takes encoder_hidden_states 1024 wide but tiny-sd/text_encoder/model.onnx gives 768",
                openFails(dir));
    }

    @Test
    void noImageEncoder() throws Exception {
        try (ModelBundle bundle = ModelBundle.open(TestModels.bundle("tiny-sd-batch1"), TestModels.CPU)) {
            assertEquals(false, bundle.info().hasImageEncoder());
            ModelException e = assertThrows(ModelException.class, bundle::imageEncoder);
            assertEquals("tiny-sd-batch1 has no vae_encoder/model.onnx: img2img and inpainting need it", e.getMessage());
        }
    }

    @Test
    void corruptPreviewDecoderFailsWhenFirstUsed() throws Exception {
        Path dir = TestModels.copyBundle("tiny-sd", temp);
        Files.writeString(dir.resolve("vae_preview/model.onnx"), "");
        try (ModelBundle bundle = ModelBundle.open(dir, TestModels.CPU)) {
            assertTrue(bundle.info().hasPreviewDecoder());
            ModelException e = assertThrows(ModelException.class, bundle::previewDecoder);
            assertTrue(e.getMessage().startsWith("tiny-sd/vae_preview/model.onnx: "), e.getMessage());
        }
    }

    @Test
    void aClosedBundleRefusesWork() throws Exception {
        ModelBundle bundle = ModelBundle.open(TestModels.bundle("tiny-sd"), TestModels.CPU);
        bundle.close();
        bundle.close();
        assertThrows(IllegalStateException.class, bundle::denoiser);
        assertThrows(IllegalStateException.class, bundle::imageEncoder);
    }
}
