package dev.emergence.engine.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.emergence.engine.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Masks prepared as diffusers' inpaint pipeline prepares them; references from make_image_refs.py. */
class MaskTest {

    @Test
    void luminanceMatchesPilConvertL() throws Exception {
        // mask_prepared.json "native_l": np.array(Image.open("mask_src.png").convert("L")) — PIL's ITU-R 601-2
        // luma, rounded to an integer; ours is unrounded, so within half a level.
        JsonNode ref = References.json("mask_prepared.json");
        BufferedImage mask = Images.read(References.path("mask_src.png"));
        int w = mask.getWidth(), h = mask.getHeight();
        int[] pilL = References.ints(ref.get("native_l"));
        float[] ours = Images.maskToTensor(mask, w, h).data();
        for (int i = 0; i < pilL.length; i++) assertEquals(pilL[i] / 255.0, ours[i], 0.5 / 255 + 1e-6, "pixel " + i);
    }

    @Test
    void resizedAndBinarisedLikeDiffusersMaskProcessor() throws Exception {
        // mask_prepared.json: mask_processor.preprocess = resize((64, 48), LANCZOS), convert("L"), / 255,
        // then < 0.5 → 0, ≥ 0.5 → 1; "latent" = torch interpolate(binary, size=(6, 8)).
        JsonNode ref = References.json("mask_prepared.json");
        int w = ref.get("width").asInt(), h = ref.get("height").asInt();
        int[] resizedL = References.ints(ref.get("resized_l"));
        int[] binary = References.ints(ref.get("binary"));
        int[] latent = References.ints(ref.get("latent"));
        BufferedImage mask = Images.read(References.path("mask_src.png"));

        Tensor soft = Images.maskToTensor(mask, w, h);
        assertArrayEquals(new int[] {1, 1, h, w}, soft.shape());
        Tensor hard = Images.binarise(soft, 0.5);
        int ambiguous = 0;
        for (int i = 0; i < w * h; i++) {
            // PIL resizes R, G, B with 8-bit rounding, then rounds the luma: about 1.5 levels of slack.
            assertEquals(resizedL[i] / 255.0, soft.data()[i], 1.5 / 255, "soft pixel " + i);
            if (Math.abs(resizedL[i] - 127.5) < 2) {
                ambiguous++;
                continue;
            }
            assertEquals(binary[i], hard.data()[i], 0f, "binary pixel " + i);
        }
        assertTrue(ambiguous < w * h / 50, ambiguous + " pixels too close to the threshold to compare");

        // From diffusers' own binary mask, the latent-size mask must be identical.
        float[] b = new float[binary.length];
        for (int i = 0; i < b.length; i++) b[i] = binary[i];
        int lh = ref.get("latent_height").asInt(), lw = ref.get("latent_width").asInt();
        Tensor small = Images.binarise(Images.resizeMaskNearest(new Tensor(b, 1, 1, h, w), lh, lw), 0.5);
        for (int i = 0; i < latent.length; i++) assertEquals(latent[i], small.data()[i], 0f, "latent pixel " + i);
        // And from ours, as the pipeline computes it.
        Tensor oursSmall = Images.binarise(Images.resizeMaskNearest(hard, lh, lw), 0.5);
        int differ = 0;
        for (int i = 0; i < latent.length; i++) if (latent[i] != oursSmall.data()[i]) differ++;
        assertTrue(differ <= 1, differ + " latent pixels differ");
    }

    @Test
    void nearestAndAreaResizeMatchTorchInterpolate() throws IOException {
        // interpolate.json: torch.nn.functional.interpolate(arange(H·W).reshape(1, 1, H, W), size=(h, w))
        // in its default "nearest" mode and in "area" mode, for awkward size pairs.
        for (JsonNode c : References.json("interpolate.json")) {
            int ih = c.get("in").get(0).asInt(), iw = c.get("in").get(1).asInt();
            int oh = c.get("out").get(0).asInt(), ow = c.get("out").get(1).asInt();
            float[] src = new float[ih * iw];
            for (int i = 0; i < src.length; i++) src[i] = i;
            Tensor in = new Tensor(src, 1, 1, ih, iw);
            int[] nearest = References.ints(c.get("nearest"));
            float[] got = Images.resizeMaskNearest(in, oh, ow).data();
            for (int i = 0; i < nearest.length; i++) assertEquals(nearest[i], got[i], 0f, ih + "x" + iw + "→" + oh + "x" + ow + " at " + i);
            float[] area = References.floatBits(c.get("area_bits"));
            float[] gotArea = Images.resizeMaskArea(in, oh, ow).data();
            for (int i = 0; i < area.length; i++) {
                assertEquals(area[i], gotArea[i], Math.abs(area[i]) * 1e-6f, ih + "x" + iw + "→" + oh + "x" + ow + " area at " + i);
            }
        }
    }

    @Test
    void greyMaskValuesAreExact() {
        BufferedImage grey = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 0);
        grey.getRaster().setSample(1, 0, 0, 128);
        grey.getRaster().setSample(2, 0, 0, 255);
        float[] d = Images.maskToTensor(grey, 3, 1).data();
        assertEquals(0f, d[0]);
        assertEquals(128 / 255f, d[1]);
        assertEquals(1f, d[2]);
        assertArrayEquals(new float[] {0, 1, 1}, Images.binarise(new Tensor(d, 1, 1, 1, 3), 0.5).data());
    }

    @Test
    void alphaMaskRepaintsEveryPaintedPixel() {
        // A stroke on an empty layer: transparent background (whatever its colour), painted pixels of any
        // colour and opacity are repainted.
        BufferedImage layer = new BufferedImage(4, 1, BufferedImage.TYPE_INT_ARGB);
        layer.setRGB(0, 0, 0x00FFFFFF); // transparent white: keep
        layer.setRGB(1, 0, 0xFF000000); // opaque black stroke: repaint
        layer.setRGB(2, 0, 0x0A000000); // faint brush edge, alpha 10: repaint
        layer.setRGB(3, 0, 0x00000000);
        assertArrayEquals(new float[] {0, 1, 1, 0}, Images.maskToTensor(layer, 4, 1).data());

        // Fully opaque RGBA masks are read by luminance, like RGB ones.
        BufferedImage opaque = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        opaque.setRGB(0, 0, 0xFFFFFFFF);
        opaque.setRGB(1, 0, 0xFF000000);
        assertArrayEquals(new float[] {1, 0}, Images.maskToTensor(opaque, 2, 1).data());
    }

    @Test
    void maskedImageZeroesTheAreaToRepaint() {
        // diffusers: masked_image = init_image * (mask_condition < 0.5)
        Tensor image = new Tensor(new float[] {0.5f, -0.25f, 1f, -1f, 0.1f, 0.2f}, 1, 3, 1, 2);
        Tensor mask = new Tensor(new float[] {1f, 0.49f}, 1, 1, 1, 2);
        assertArrayEquals(new float[] {0f, -0.25f, 0f, -1f, 0f, 0.2f}, Images.maskedImage(image, mask).data());
        assertThrows(IllegalArgumentException.class, () -> Images.maskedImage(image, Tensor.zeros(1, 1, 2, 2)));
    }

    @Test
    void binariseAtHalfAsDiffusers() {
        // image_processor.binarize: < 0.5 → 0, ≥ 0.5 → 1
        Tensor m = new Tensor(new float[] {0f, 0.4999f, 0.5f, 0.75f, 1f, Float.NaN}, 1, 1, 1, 6);
        assertArrayEquals(new float[] {0, 0, 1, 1, 1, 0}, Images.binarise(m, 0.5).data());
    }

    @Test
    void featherIsA1111sGaussianMaskBlur() {
        // Kernel size 2·int(2.5σ + 0.5) + 1 (A1111 processing.py): σ = 0.5 → 3, 1 → 7, 4 → 21.
        assertEquals(3, GaussianBlur.kernel(0.5).length);
        assertEquals(7, GaussianBlur.kernel(1).length);
        assertEquals(21, GaussianBlur.kernel(4).length);

        // σ = 1 weights exp(−x²/2) / Σ over x = −3..3, computed by hand:
        // Σ = 1 + 2(0.6065306597 + 0.1353352832 + 0.0111089965) = 2.5059498790
        // → 0.3990502797, 0.2420362294, 0.0540055826, 0.0044330482.
        int n = 15, c = 7;
        float[] impulse = new float[n * n];
        impulse[c * n + c] = 1f;
        float[] out = Images.featherMask(new Tensor(impulse, 1, 1, n, n), 1.0).data();
        assertEquals(0.3990502797 * 0.3990502797, out[c * n + c], 1e-7);       // 0.1592411257
        assertEquals(0.2420362294 * 0.0540055826, out[(c + 1) * n + c + 2], 1e-7); // 0.0130713076
        assertEquals(0.0044330482 * 0.0044330482, out[(c - 3) * n + c + 3], 1e-9);
        assertEquals(0f, out[(c - 4) * n + c], 0f); // beyond the 7 taps
        double sum = 0;
        for (float v : out) sum += v;
        assertEquals(1.0, sum, 1e-6);

        // OpenCV's default border, BORDER_REFLECT_101 (the edge pixel not repeated): a step 1,1,1,0,… gives,
        // at x = 0, taps at 3,2,1,0,1,2,3 = 0,1,1,1,1,1,0 → 0.39905 + 2·0.24204 + 2·0.05401 = 0.9911339.
        float[] step = new float[10];
        step[0] = step[1] = step[2] = 1f;
        float[] blurred = Images.featherMask(new Tensor(step, 1, 1, 1, 10), 1.0).data();
        assertEquals(0.9911339036, blurred[0], 1e-6);
    }

    @Test
    void featherZeroIsIdentityAndNegativeIsRejected() {
        Tensor m = new Tensor(new float[] {0, 1, 0.5f, 1}, 1, 1, 2, 2);
        Tensor same = Images.featherMask(m, 0);
        assertArrayEquals(m.data(), same.data());
        assertTrue(same.data() != m.data(), "a copy, not the same array");
        assertThrows(IllegalArgumentException.class, () -> Images.featherMask(m, -1));
        assertThrows(IllegalArgumentException.class, () -> Images.featherMask(m, Double.NaN));
    }

    @Test
    void reflect101Indices() {
        // gfedcb|abcdefgh|gfedcba for n = 8
        int[] expected = {3, 2, 1, 0, 1, 2, 3, 4, 5, 6, 7, 6, 5, 4};
        for (int i = -3; i <= 10; i++) assertEquals(expected[i + 3], GaussianBlur.reflect101(i, 8), "index " + i);
        assertEquals(0, GaussianBlur.reflect101(-5, 1));
    }
}
