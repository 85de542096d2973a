package dev.emergence.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.random.TorchGenerator;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tiled VAE decoding and encoding against diffusers' own. The expected values in
 * {@code reference/vae/tiling.json} came from {@code engine/tools/reference/make_vae_tiling_refs.py}:
 * diffusers 0.30.3's AutoencoderKL with enable_tiling(), which runs {@code tiled_decode} and
 * {@code tiled_encode}, on the very torch module exported to tiny-lcm's vae_decoder/ and vae_encoder/
 * (the script checks the exports are byte-identical), with the tiles its config gives: 64 pixels,
 * 16 latents, a quarter overlap. The inputs are cut so that the last row and column of tiles are short.
 */
class VaeTilingReferenceTest {
    /**
     * ONNX Runtime's float32 VAE against torch's float32 one (measured: 3.6e-6 decoded, 1.5e-7 for the
     * encoder's mean); the blends and crops add only float32 rounding.
     */
    private static final double TOLERANCE = 1e-4;

    private static JsonNode ref;
    private static ModelBundle bundle;

    @BeforeAll
    static void open() throws Exception {
        try (InputStream in = VaeTilingReferenceTest.class.getResourceAsStream("/reference/vae/tiling.json")) {
            assertNotNull(in, "missing test resource reference/vae/tiling.json");
            ref = new ObjectMapper().readTree(in);
        }
        bundle = ModelBundle.open(TestModels.bundle(ref.get("bundle").asText()), TestModels.CPU);
    }

    @AfterAll
    static void close() {
        if (bundle != null) bundle.close();
    }

    @Test
    void theTilesAreDiffusers() {
        // sample_size / 2^(blocks - 1): diffusers' tile_latent_min_size for the bundle's VAE config
        assertEquals(ref.get("tiling").get("tile_latent_min_size").asInt(), bundle.vaeTiling().tileLatents());
        assertEquals(0.25, ref.get("tiling").get("tile_overlap_factor").asDouble());
    }

    @Test
    void tiledDecodeIsDiffusersTiledDecode() throws Exception {
        JsonNode d = ref.get("decode");
        Tensor latents = pattern(d.get("latent_pattern"), TestModels.ints(d.get("latent_shape")));
        Tensor expected = SeededEncoderReferenceTest.tensor(d.get("sample"));

        Tensor tiled = bundle.vaeDecoder().decode(latents, VaeTiling.Mode.ON);

        assertArrayEquals(expected.shape(), tiled.shape());
        double diff = TestModels.maxAbsDiff(expected, tiled);
        assertTrue(diff <= TOLERANCE, "worst difference from diffusers' tiled_decode " + diff);
        // The latent is more than 1.5 tiles high: auto tiles it too.
        assertArrayEquals(tiled.data(), bundle.vaeDecoder().decode(latents).data());
        // Untiled, the mid-block's attention sees the whole latent: a different picture, so the test sees the tiles.
        double untiled = TestModels.maxAbsDiff(expected, bundle.vaeDecoder().decode(latents, VaeTiling.Mode.OFF));
        assertTrue(untiled > 100 * TOLERANCE, "untiled decode differs by only " + untiled);
    }

    @Test
    void tiledEncodeIsDiffusersTiledEncode() throws Exception {
        JsonNode e = ref.get("encode");
        Tensor pixels = pattern(e.get("pixel_pattern"), TestModels.ints(e.get("pixel_shape")));
        DiffusionModels.ImageEncoder encoder = bundle.imageEncoder();

        Tensor mean = encoder.encode(pixels, null, VaeTiling.Mode.ON);
        double meanDiff = TestModels.maxAbsDiff(SeededEncoderReferenceTest.tensor(e.get("mean")), mean);
        assertTrue(meanDiff <= TOLERANCE, "worst difference from the mean of diffusers' tiled_encode " + meanDiff);
        for (JsonNode c : e.get("samples")) {
            long seed = c.get("seed").asLong();
            Tensor expected = SeededEncoderReferenceTest.tensor(c.get("sample"));
            Tensor sample = encoder.encode(pixels, new TorchGenerator(seed), VaeTiling.Mode.ON);
            assertArrayEquals(expected.shape(), sample.shape());
            double diff = TestModels.maxAbsDiff(expected, sample);
            assertTrue(diff <= TOLERANCE, "seed " + seed + ": worst difference from diffusers' tiled_encode sample " + diff);
        }
        double untiled = TestModels.maxAbsDiff(mean, encoder.encode(pixels, null, VaeTiling.Mode.OFF));
        assertTrue(untiled > 100 * TOLERANCE, "untiled encode differs by only " + untiled);
    }

    /** The script's inputs: amplitude·sin(frequency·i + phase) over the flat index, float64 then float32. */
    private static Tensor pattern(JsonNode p, int... shape) {
        double a = p.get("amplitude").asDouble(), f = p.get("frequency").asDouble(), phase = p.get("phase").asDouble();
        int n = java.util.Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        float[] data = new float[n];
        for (int i = 0; i < n; i++) data[i] = (float) (a * Math.sin(f * i + phase));
        return new Tensor(data, shape);
    }
}
