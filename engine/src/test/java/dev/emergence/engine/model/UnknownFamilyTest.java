package dev.emergence.engine.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** UNets whose inputs fit no family the engine knows are refused with one line naming the file and the inputs expected. */
class UnknownFamilyTest {
    @Test
    void aUnetInputNoFamilyKnowsIsNamedWithTheInputsExpected(@TempDir Path temp) throws Exception {
        Path bundle = TestModels.copyBundle("tiny-sd", temp);
        NonFiniteGraphs.unetWithExtraInputs(bundle.resolve("unet/model.onnx"), "image_embeds");
        ModelException e = assertThrows(ModelException.class, () -> ModelBundle.open(bundle, TestModels.CPU).close());
        assertEquals("tiny-sd/unet/model.onnx: unexpected input 'image_embeds' float32 [batch,8]: expected sample, "
                + "timestep and encoder_hidden_states, plus text_embeds and time_ids (SDXL) or timestep_cond (LCM), or a ControlNet "
                + "UNet's down_block_N_additional_residual and mid_block_additional_residual", e.getMessage());
    }

    @Test
    void controlNetResidualInputsOfTheWrongShapeOrIncompleteAreRefused(@TempDir Path temp) throws Exception {
        Path bundle = TestModels.copyBundle("tiny-sd", temp);
        NonFiniteGraphs.unetWithExtraInputs(bundle.resolve("unet/model.onnx"), "down_block_0_additional_residual");
        ModelException e = assertThrows(ModelException.class, () -> ModelBundle.open(bundle, TestModels.CPU).close());
        assertEquals("tiny-sd/unet/model.onnx: expected a ControlNet residual input like 'down_block_0_additional_residual' [B,C,h,w] "
                + "(float), found 'down_block_0_additional_residual' float32 [batch,8]", e.getMessage());
    }

    @Test
    void anSdxlUnetInAFolderWithoutTheSecondEncoderSaysWhichFileIsMissing(@TempDir Path temp) throws Exception {
        Path bundle = TestModels.copyBundle("tiny-sd", temp);
        NonFiniteGraphs.unetWithExtraInputs(bundle.resolve("unet/model.onnx"), "text_embeds", "time_ids");
        ModelException e = assertThrows(ModelException.class, () -> ModelBundle.open(bundle, TestModels.CPU).close());
        assertTrue(e.getMessage().startsWith("tiny-sd/text_encoder_2/model.onnx not found: an SDXL model (unet/model.onnx takes "
                + "text_embeds and time_ids) needs its second text encoder"), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'));
    }

    @Test
    void halfOfSdxlsExtraInputsIsRefused(@TempDir Path temp) throws Exception {
        Path bundle = TestModels.copyBundle("tiny-sd", temp);
        NonFiniteGraphs.unetWithExtraInputs(bundle.resolve("unet/model.onnx"), "text_embeds");
        ModelException e = assertThrows(ModelException.class, () -> ModelBundle.open(bundle, TestModels.CPU).close());
        assertEquals("tiny-sd/unet/model.onnx: takes text_embeds without time_ids; expected both (an SDXL UNet) or neither", e.getMessage());
    }

    @Test
    void theSdxlRefinerIsNamedAsWhatItIs(@TempDir Path temp) throws Exception {
        // The refiner's folder as optimum writes it: StableDiffusionXLImg2ImgPipeline, text_encoder_2/ only.
        Path bundle = TestModels.copyBundle("tiny-sdxl", temp);
        java.nio.file.Files.writeString(bundle.resolve("model_index.json"),
                "{\"_class_name\": \"StableDiffusionXLImg2ImgPipeline\", \"requires_aesthetics_score\": true}");
        try (var files = java.nio.file.Files.walk(bundle.resolve("text_encoder"))) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(p);
        }
        ModelException e = assertThrows(ModelException.class, () -> ModelBundle.open(bundle, TestModels.CPU).close());
        assertEquals("tiny-sdxl/model_index.json: names StableDiffusionXLImg2ImgPipeline without text_encoder/ (the SDXL refiner),"
                + " which is not supported; expected an SDXL base, Turbo or LCM model", e.getMessage());
    }
}
