package dev.emergence.engine.pipeline;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.TestFolders;
import dev.emergence.engine.control.ControlInput;
import dev.emergence.engine.control.ControlUnit;
import dev.emergence.engine.control.PreprocessorKind;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.model.OnnxControlNet;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ControlNets in the engine beyond the diffusers replay (ControlNetReferenceTest): the folders a
 * ControlNet needs and the one-line refusals of those that do not fit, none of which disturbs the
 * loaded model; a ControlNet UNet without control (zero residuals) denoising as the plain UNet; the
 * request's controls in the PNG's JSON and AUTOMATIC1111 text.
 */
class ControlNetTest {
    static final Path MODELS = Path.of("testmodels");
    static final Path BASE = MODELS.resolve("tiny-sd-control");
    static final Path NET_A = MODELS.resolve("tiny-controlnet-a");
    static final ExecutionOptions CPU = ExecutionOptions.cpu(1);

    @TempDir
    Path temp;

    static GenerationRequest request(List<ControlUnit> controls) {
        return new GenerationRequest("a red circle", "blurry", 64, 64, 3, 5.0, 7, SchedulerKind.EULER, 1.0, 0, null, null, null)
                .withControls(controls);
    }

    static BufferedImage picture() {
        return FakeModels.picture(64, 64);
    }

    private static Tensor generate(LoadedModel m, GenerationRequest r, List<ControlInput> inputs) throws Exception {
        return m.pipeline().generate(r, null, null, inputs, StepListener.NONE, new CancellationToken()).finalLatent();
    }

    private static void assertOneLine(Exception e, String... parts) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
    }

    @Test
    void aBaseModelWithoutAControlNetUnetSaysWhereOneGoesAndStillGenerates() throws Exception {
        try (LoadedModel m = LoadedModel.open(MODELS.resolve("tiny-lcm"), CPU)) {
            OnnxControlNet net = m.controlNet(NET_A);
            GenerationRequest r = new GenerationRequest("a cat", "", 64, 64, 2, 1.0, 1, SchedulerKind.LCM, 1.0, 0, null, null, null)
                    .withControls(List.of(new ControlUnit(NET_A.toString(), PreprocessorKind.NONE)));
            ModelException e = assertThrows(ModelException.class, () -> generate(m, r,
                    List.of(new ControlInput(net, net.shortHash(), picture()))));
            assertOneLine(e, "tiny-lcm", "no ControlNet UNet", "controlnet/model.onnx", "down_block_N_additional_residual");
            assertFalse(m.takesControlNets());
            generate(m, r.withControls(List.of()), List.of());
        }
    }

    @Test
    void aFolderThatIsNotAControlNetIsRefusedAndNothingIsKept() throws Exception {
        try (LoadedModel m = LoadedModel.open(BASE, CPU)) {
            ModelException e = assertThrows(ModelException.class, () -> m.controlNet(BASE.resolve("unet")));
            assertOneLine(e, "unet/model.onnx", "is not a ControlNet", "controlnet_cond", "mid_block_additional_residual");
            ModelException none = assertThrows(ModelException.class, () -> m.controlNet(MODELS.resolve("no-such-folder")));
            assertOneLine(none, "no-such-folder", "expected a folder with model.onnx");
            assertTrue(m.takesControlNets());
            OnnxControlNet net = m.controlNet(NET_A);
            assertEquals(5, net.residualCount(), "4 down blocks' residuals (conv_in, a resnet each, a downsampler) and the mid block's");
            generate(m, request(List.of(new ControlUnit(NET_A.toString(), PreprocessorKind.NONE))),
                    List.of(new ControlInput(net, net.shortHash(), picture())));
        }
    }

    @Test
    void controlNetsOfAnotherUnetAreRefusedByCountOrWidth() throws Exception {
        try (LoadedModel m = LoadedModel.open(BASE, CPU)) {
            Path six = MODELS.resolve("misc/controlnet-6-residuals");
            OnnxControlNet net = m.controlNet(six);
            ModelException count = assertThrows(ModelException.class, () -> generate(m,
                    request(List.of(new ControlUnit(six.toString(), PreprocessorKind.NONE))), List.of(new ControlInput(net, null, picture()))));
            assertOneLine(count, "controlnet-6-residuals", "returns 7 residuals", "takes 5", "made for this base model");

            Path wide = MODELS.resolve("misc/controlnet-wide");
            OnnxControlNet w = m.controlNet(wide);
            ModelException width = assertThrows(ModelException.class, () -> generate(m,
                    request(List.of(new ControlUnit(wide.toString(), PreprocessorKind.NONE))), List.of(new ControlInput(w, null, picture()))));
            assertOneLine(width, "did not take the ControlNets' residuals", "made for this base model");
            // the model is as it was
            generate(m, request(List.of()), List.of());
        }
    }

    @Test
    void aControlNetUnetWithoutControlDenoisesAsThePlainUnet() throws Exception {
        // One folder for both: unet/ replaced by the ControlNet UNet, which then runs on zero residuals.
        Path copy = TestFolders.copy(BASE, temp.resolve("tiny-sd-control"));
        Files.copy(copy.resolve("controlnet/model.onnx"), copy.resolve("unet/model.onnx"), StandardCopyOption.REPLACE_EXISTING);
        Files.delete(copy.resolve("controlnet/model.onnx"));
        Files.delete(copy.resolve("controlnet"));
        Tensor plain, zero, controlledHere, controlledThere;
        ControlUnit unit = new ControlUnit(NET_A.toString(), PreprocessorKind.CANNY, 0.9, 0.0, 0.7);
        try (LoadedModel m = LoadedModel.open(BASE, CPU)) {
            plain = generate(m, request(List.of()), List.of());
            OnnxControlNet net = m.controlNet(NET_A);
            controlledThere = generate(m, request(List.of(unit)), List.of(new ControlInput(net, null, picture())));
        }
        try (LoadedModel m = LoadedModel.open(copy, CPU)) {
            zero = generate(m, request(List.of()), List.of());
            OnnxControlNet net = m.controlNet(NET_A);
            controlledHere = generate(m, request(List.of(unit)), List.of(new ControlInput(net, null, picture())));
        }
        StableDiffusionPipelineReferenceTest.assertWithin(toDoubles(plain), zero.data(), 1e-5, "zero residuals = no residuals");
        StableDiffusionPipelineReferenceTest.assertWithin(toDoubles(controlledThere), controlledHere.data(), 1e-5, "unet/ as the ControlNet UNet");
        double diff = 0;
        for (int i = 0; i < plain.size(); i++) diff = Math.max(diff, Math.abs(plain.data()[i] - controlledThere.data()[i]));
        assertTrue(diff > 1e-2, "the control changes the latents (by " + diff + ")");
    }

    @Test
    void theRequestKeepsItsControlsInJsonAndAutomatic1111Text() throws Exception {
        ControlUnit canny = new ControlUnit(NET_A.toString(), PreprocessorKind.CANNY, 0.8, 0.1, 0.7).withCanny(100, 200, false)
                .withHashes("0123456789abcdef", "a1b2c3d4");
        ControlUnit tile = new ControlUnit("/models/tile net", PreprocessorKind.TILE, 0.5, 0.0, 1.0);
        GenerationRequest r = request(List.of(canny, tile));
        GenerationRequest back = new com.fasterxml.jackson.databind.ObjectMapper().readValue(GenerationPng.toJson(r), GenerationRequest.class);
        assertEquals(r, back);
        assertFalse(GenerationPng.toJson(request(List.of())).contains("controls"), "no controls, no field: older pictures read the same");
        String text = GenerationPng.toA1111(r, GenerationMode.TXT2IMG).format();
        assertTrue(text.contains("ControlNet 0: \"Module: canny, Model: tiny-controlnet-a [a1b2c3d4], Weight: 0.8, Resize Mode: Just Resize, "
                + "Low Vram: False, Processor Res: 64, Threshold A: 100.0, Threshold B: 200.0, Guidance Start: 0.1, Guidance End: 0.7, "
                + "Pixel Perfect: False, Control Mode: Balanced, Hr Option: Both, Save Detected Map: True\""), text);
        assertTrue(text.contains("ControlNet 1: \"Module: tile_resample, Model: tile net, Weight: 0.5, Resize Mode: Just Resize, "
                + "Low Vram: False, Processor Res: 64, Threshold A: 1.0, Guidance Start: 0.0, Guidance End: 1.0, "), text);
        assertTrue(text.contains("Control images: \"0: 0123456789\""), text);
    }

    @Test
    void theEngineOpensControlNetsOnItsThreadAndAFaultyOneFailsOnlyItsJob() throws Exception {
        try (Engine engine = new Engine()) {
            engine.load(BASE, CPU).get();
            GenerationRequest good = request(List.of(new ControlUnit(NET_A.toString(), PreprocessorKind.SCRIBBLE, 1.0, 0.0, 1.0)));
            GenerationResult r = engine.generate(good, null, null, List.of(picture()), StepListener.NONE).result().get();
            assertEquals(64, r.image().getWidth());
            assertEquals(1, r.request().controls().size());
            GenerationRequest bad = request(List.of(new ControlUnit(BASE.resolve("unet").toString(), PreprocessorKind.NONE)));
            var failure = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> engine.generate(bad, null, null, List.of(picture()), StepListener.NONE).result().get());
            assertTrue(failure.getCause() instanceof ModelException, String.valueOf(failure.getCause()));
            var mismatch = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> engine.generate(good, null, null, List.of(), StepListener.NONE).result().get());
            assertTrue(mismatch.getCause() instanceof InvalidRequestException, String.valueOf(mismatch.getCause()));
            // the loaded model is as it was
            engine.generate(request(List.of()), null, null, StepListener.NONE).result().get();
            engine.generate(good, null, null, List.of(picture()), StepListener.NONE).result().get();
        }
    }

    @Test
    void outOfRangeSettingsAreRefused() {
        for (ControlUnit bad : List.of(new ControlUnit("x", PreprocessorKind.NONE, 3.0, 0, 1),
                new ControlUnit("x", PreprocessorKind.NONE, 1.0, 0.6, 0.4),
                new ControlUnit("x", PreprocessorKind.CANNY, 1.0, 0, 1).withCanny(-1, 200, false))) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> request(List.of(bad)).validate());
            assertTrue(e.getMessage().startsWith("control 1: "), e.getMessage());
            assertTrue(e.getMessage().contains("expected"), e.getMessage());
        }
    }

    private static double[] toDoubles(Tensor t) {
        double[] out = new double[t.size()];
        for (int i = 0; i < out.length; i++) out[i] = t.data()[i];
        return out;
    }
}
