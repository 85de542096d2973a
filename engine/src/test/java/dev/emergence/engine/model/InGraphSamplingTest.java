package dev.emergence.engine.model;

import dev.emergence.engine.onnx.InGraphSampling;
import dev.emergence.engine.onnx.OnnxGraph;
import dev.emergence.engine.random.TorchGenerator;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which in-graph sampling the engine recognises and seeds, and what it does with the rest. */
class InGraphSamplingTest {
    private static Tensor pixels() {
        return TestModels.pattern("pixels", 1, 3, 64, 64);
    }

    private static Tensor encode(Path folder, long seed) throws Exception {
        try (ModelBundle b = ModelBundle.open(folder, TestModels.CPU)) {
            return b.imageEncoder().encode(pixels(), new TorchGenerator(seed));
        }
    }

    @Test
    void findsTheMeanAndStdOfTinySdsEncoder() throws Exception {
        Path file = TestModels.bundle("tiny-sd").resolve(EncoderGraphs.ENCODER);
        OnnxGraph graph = OnnxGraph.read(file, "tiny-sd/" + EncoderGraphs.ENCODER, TestModels.bundle("tiny-sd"));
        assertEquals(Optional.of(new InGraphSampling("latent_sample", "/Slice_11", "/Exp_21")),
                InGraphSampling.find(graph, "latent_sample"));
    }

    @Test
    void operandsInEitherOrderAreTheSamePattern(@TempDir Path temp) throws Exception {
        Path swapped = EncoderGraphs.tinySdWith(temp, EncoderGraphs::swapOperands);
        assertArrayEquals(encode(TestModels.bundle("tiny-sd"), 7).data(), encode(swapped, 7).data());
    }

    @Test
    void externalWeightsStillLoadAndTheFileIsNotChanged(@TempDir Path temp) throws Exception {
        Path folder = EncoderGraphs.tinySdWith(temp, EncoderGraphs.externalWeights(temp));
        Path file = folder.resolve(EncoderGraphs.ENCODER);
        byte[] before = Files.readAllBytes(file);
        assertTrue(OnnxGraph.read(file, "copy", folder).hasExternalData(), "the copy keeps its weights in weights.bin");

        Tensor latents = encode(folder, 7);

        assertArrayEquals(encode(TestModels.bundle("tiny-sd"), 7).data(), latents.data(), "the same weights, read from weights.bin");
        assertArrayEquals(before, Files.readAllBytes(file), "the graph file as it was");
    }

    @Test
    void samplingInAnotherPatternRunsAsTheGraphSamplesAndSaysSoOnce(@TempDir Path temp) throws Exception {
        Path folder = EncoderGraphs.tinySdWith(temp, EncoderGraphs::subtractNoise);
        try (ModelBundle b = ModelBundle.open(folder, TestModels.CPU)) {
            DiffusionModels.ImageEncoder encoder = b.imageEncoder();

            Tensor latents = encoder.encode(pixels(), new TorchGenerator(7));

            // the graph's own unseeded noise: within six of its standard deviations of the mean
            var ref = TestModels.reference("tiny-sd").get("vae_encoder");
            double sampling = 6 * ref.get("max_std").asDouble() * TestModels.reference().get("scaling_factor").asDouble();
            TestModels.assertMatches(ref.get("scaled_mean"), latents, 2e-5 + sampling, "latents");
            assertEquals(List.of("img2img and inpainting with tiny-sd/vae_encoder/model.onnx are not reproducible: its graph samples"
                    + " 'latent_sample' with its own unseeded noise, not as mean + std · RandomNormalLike, which the engine would seed"),
                    encoder.takeNotices());
            assertEquals(List.of(), encoder.takeNotices(), "told once");
        }
    }

    @Test
    void aSeededEncoderHasNothingToSay() throws Exception {
        try (ModelBundle b = ModelBundle.open(TestModels.bundle("tiny-sd"), TestModels.CPU)) {
            b.imageEncoder().encode(pixels(), new TorchGenerator(7));
            assertEquals(List.of(), b.imageEncoder().takeNotices());
        }
    }
}
