package dev.emergence.engine.model;

import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxModelTest {

    @Test
    void readsNamesTypesAndShapesFromTheSession() throws Exception {
        // as make_test_models.py declares tiny-sd's UNet (diffusers' converter's names and dynamic axes)
        try (OnnxModel unet = OnnxModel.open(TestModels.bundle("tiny-sd").resolve("unet/model.onnx"), "unet", TestModels.CPU)) {
            assertEquals(List.of(
                    "'sample' float32 [batch,channels,height,width]",
                    "'timestep' int64 [batch]",
                    "'encoder_hidden_states' float32 [batch,sequence,768]"),
                    unet.inputs().stream().map(TensorSpec::describe).toList());
            assertEquals("'out_sample' float32 [batch,4,height,width]", unet.outputs().get(0).describe());
            TensorSpec text = unet.input("encoder_hidden_states").orElseThrow();
            assertArrayEquals(new long[] {-1, -1, 768}, text.shape());
            assertEquals(ElementType.INT64, unet.input("timestep").orElseThrow().type());
        }
        try (OnnxModel unet = OnnxModel.open(TestModels.bundle("tiny-sd-fp16").resolve("unet/model.onnx"), "unet", TestModels.CPU)) {
            assertEquals(ElementType.FLOAT16, unet.input("sample").orElseThrow().type());
            assertEquals(ElementType.FLOAT16, unet.input("timestep").orElseThrow().type());
        }
    }

    @Test
    void convertsAtTheBoundaryLikeIeeeHalfAndNumpyAstype() throws Exception {
        try (OnnxModel identity = OnnxModel.open(TestModels.ROOT.resolve("misc/identity.onnx"), "identity", TestModels.CPU)) {
            float tiny = (float) Math.pow(2, -24); // the smallest float16 subnormal
            float[] in = {0.1f, 1f + (float) Math.pow(2, -11), 1f + 3 * (float) Math.pow(2, -11), 65519f, 65520f, 3e-8f, 2.9e-8f, -2.5f};
            // IEEE 754 binary16 with round-to-nearest-even: 0.1 -> 0x2E66 = 0.0999755859375; the ties
            // 1 + 2^-11 and 1 + 3·2^-11 go to the even neighbours 1 and 1 + 2^-9; 65519 rounds down to the
            // largest half 65504, 65520 overflows to infinity; 3e-8 rounds up to 2^-24, 2.9e-8 (under half of it) to 0.
            float[] halfExpected = {0.0999755859375f, 1f, 1f + (float) Math.pow(2, -9), 65504f, Float.POSITIVE_INFINITY, tiny, 0f, -2.5f};
            // numpy's astype(int32/int64) truncates toward zero
            float[] ints = {2.9f, -2.9f, 901f, 49407f, 0.5f, -0.5f, 16777216f, 7f};
            float[] truncated = {2f, -2f, 901f, 49407f, 0f, 0f, 16777216f, 7f};

            Map<String, Tensor> out = identity.run(Map.of(
                    "half", new Tensor(in, in.length),
                    "int", new Tensor(ints, ints.length),
                    "long", new Tensor(ints, ints.length)));

            assertArrayEquals(halfExpected, out.get("half_out").data());
            assertArrayEquals(truncated, out.get("int_out").data());
            assertArrayEquals(truncated, out.get("long_out").data());
        }
    }

    @Test
    void missingInputsAndUnknownNamesAreCallerErrors() throws Exception {
        try (OnnxModel identity = OnnxModel.open(TestModels.ROOT.resolve("misc/identity.onnx"), "identity", TestModels.CPU)) {
            Tensor one = new Tensor(new float[] {1}, 1);
            assertThrows(IllegalArgumentException.class, () -> identity.run(Map.of("half", one, "int", one)));
            assertThrows(IllegalArgumentException.class,
                    () -> identity.run(Map.of("half", one, "int", one, "long", one, "extra", one)));
        }
    }

    @Test
    void aFailedRunIsAOneLineModelException() throws Exception {
        try (OnnxModel unet = OnnxModel.open(TestModels.bundle("tiny-sd").resolve("unet/model.onnx"), "tiny-sd/unet/model.onnx", TestModels.CPU)) {
            // 5 channels reach a convolution made for 4
            ModelException e = assertThrows(ModelException.class, () -> unet.run(Map.of(
                    "sample", Tensor.zeros(1, 5, 8, 8), "timestep", Tensor.zeros(1), "encoder_hidden_states", Tensor.zeros(1, 77, 768))));
            assertTrue(e.getMessage().startsWith("tiny-sd/unet/model.onnx: inference failed: "), e.getMessage());
            assertTrue(e.getMessage().lines().count() == 1, e.getMessage());
        }
    }

    @Test
    void aTextFileIsNotAModel(@TempDir Path temp) throws Exception {
        Path file = temp.resolve("model.onnx");
        Files.writeString(file, "version https://git-lfs.github.com/spec/v1\noid sha256:0123\nsize 3438167536\n");
        ModelException e = assertThrows(ModelException.class, () -> OnnxModel.open(file, "x/unet/model.onnx", TestModels.CPU));
        assertTrue(e.getMessage().startsWith("x/unet/model.onnx: not a valid ONNX model ("), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void closedModelsRefuseToRun() throws Exception {
        OnnxModel identity = OnnxModel.open(TestModels.ROOT.resolve("misc/identity.onnx"), "identity", TestModels.CPU);
        identity.close();
        identity.close(); // twice is fine
        Tensor one = new Tensor(new float[] {1}, 1);
        assertThrows(IllegalStateException.class, () -> identity.run(Map.of("half", one, "int", one, "long", one)));
    }
}
