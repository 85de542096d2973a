package dev.emergence.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.random.TorchGenerator;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tiny-sd's VAE encoder samples its latent in the graph (mean + std · RandomNormalLike); the engine
 * draws the sample from the generation's generator instead, and must give what diffusers gives. The
 * expected values in {@code reference/encoder/tiny_sd_encoder_samples.json} came from
 * {@code engine/tools/reference/make_encoder_sample_refs.py}: the encoder's moments computed in
 * torch from the ONNX file's own weights, then diffusers 0.30.3's
 * DiagonalGaussianDistribution(moments).sample(torch.Generator("cpu").manual_seed(seed)) times the
 * scaling factor ({@code scaled_sample}), that distribution's std ({@code std}), and
 * torch.randn(mean's shape) from the same seed ({@code noise}).
 */
class SeededEncoderReferenceTest {
    /**
     * ONNX Runtime's float32 encoder against torch's float64 moments rounded to float32: the worst
     * difference measured was 8.9e-8 on latents near 0.2, whose noise part is about 4.7e-4.
     */
    private static final double TOLERANCE = 1e-6;

    private static JsonNode ref;
    private static ModelBundle bundle;
    private static Tensor pixels;

    @BeforeAll
    static void open() throws Exception {
        try (InputStream in = SeededEncoderReferenceTest.class.getResourceAsStream("/reference/encoder/tiny_sd_encoder_samples.json")) {
            assertNotNull(in, "missing test resource reference/encoder/tiny_sd_encoder_samples.json");
            ref = new ObjectMapper().readTree(in);
        }
        bundle = ModelBundle.open(TestModels.bundle(ref.get("bundle").asText()), TestModels.CPU);
        pixels = TestModels.pattern("pixels", TestModels.ints(ref.get("pixels").get("shape")));
    }

    @AfterAll
    static void close() {
        if (bundle != null) bundle.close();
    }

    @Test
    void theLatentIsDiffusersSampleForTheSeed() throws Exception {
        Tensor mean = tensor(ref.get("scaled_mean"));
        for (JsonNode c : ref.get("cases")) {
            long seed = c.get("seed").asLong();
            Tensor expected = tensor(c.get("scaled_sample"));

            Tensor latents = bundle.imageEncoder().encode(pixels, new TorchGenerator(seed));

            double diff = TestModels.maxAbsDiff(expected, latents);
            assertTrue(diff <= TOLERANCE, "seed " + seed + ": worst difference from diffusers' sample " + diff);
            // The noise part is well above the tolerance, so a latent without it, or with other noise, fails.
            double noisePart = TestModels.maxAbsDiff(expected, mean);
            assertTrue(noisePart > 20 * TOLERANCE, "seed " + seed + ": the sample differs from the mean by " + noisePart);
        }
    }

    @Test
    void theNoiseIsTorchsRandnForTheSeed() throws Exception {
        double scaling = ref.get("scaling_factor").asDouble();
        float[] std = tensor(ref.get("std")).data();
        Tensor mean = bundle.imageEncoder().encode(pixels);
        for (JsonNode c : ref.get("cases")) {
            long seed = c.get("seed").asLong();
            Tensor noise = tensor(c.get("noise"));
            // the engine's generator is torch's, bit for bit
            assertArrayEquals(noise.data(), new TorchGenerator(seed).randn(noise.shape()).data(), "seed " + seed + ": randn");

            float[] latent = bundle.imageEncoder().encode(pixels, new TorchGenerator(seed)).data();
            // (latent − mean) / (scaling · std) recovers the noise the engine drew; the rounding of
            // latent and mean, divided by a std near 1e-3, leaves about 1e-4 of it.
            for (int i = 0; i < latent.length; i++) {
                double drawn = (latent[i] - mean.data()[i]) / (scaling * std[i]);
                assertEquals(noise.data()[i], drawn, 1e-3, "seed " + seed + ": noise " + i);
            }
        }
    }

    /** {"shape": [...], "f32": base64 of little-endian float32} */
    static Tensor tensor(JsonNode t) {
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(t.get("f32").asText())).order(ByteOrder.LITTLE_ENDIAN);
        float[] data = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(data);
        return new Tensor(data, TestModels.ints(t.get("shape")));
    }
}
