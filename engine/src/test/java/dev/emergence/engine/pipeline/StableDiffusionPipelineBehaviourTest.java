package dev.emergence.engine.pipeline;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.scheduler.Scheduler;
import dev.emergence.engine.scheduler.SchedulerConfig;
import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.scheduler.Schedulers;
import dev.emergence.engine.tensor.Tensor;
import dev.emergence.engine.text.ClipTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the pipeline promises beyond its numbers: step reports, cancelling, refusing bad requests
 * with one-line messages, rounding sizes, and inpainting that leaves every pixel outside the mask
 * as it was. Uses {@link FakeModels} and a small word-level tokenizer (written here, with CLIP's ids
 * for its words), so it needs no shared data.
 */
class StableDiffusionPipelineBehaviourTest {
    @TempDir
    static Path tokenizerDir;
    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void writeTokenizer() throws Exception {
        tokenizer = FakeModels.wordTokenizer(tokenizerDir);
    }

    @AfterAll
    static void closeTokenizer() {
        if (tokenizer != null) tokenizer.close();
    }

    private final FakeModels.Set fakes = new FakeModels.Set();

    private StableDiffusionPipeline pipeline(int unetChannels) {
        return new StableDiffusionPipeline(fakes.components(tokenizer, SchedulerConfig.sd15(), unetChannels));
    }

    private static GenerationRequest request(int w, int h, int steps, double cfg, SchedulerKind kind, double strength, double feather) {
        return new GenerationRequest("a photo of a cat", "", w, h, steps, cfg, 42, kind, strength, feather, null, null, null);
    }

    @Test
    void tokenizerSendsClipIds() throws Exception {
        pipeline(4).generate(request(64, 64, 1, 7.5, SchedulerKind.DDIM, 1, 0), null, null, StepListener.NONE, new CancellationToken());
        int[] prompt = new int[77];
        Arrays.fill(prompt, 49407);
        System.arraycopy(new int[] {49406, 320, 1125, 539, 320, 2368, 49407}, 0, prompt, 0, 7);
        int[] empty = new int[77];
        Arrays.fill(empty, 49407);
        empty[0] = 49406;
        // the ids of CLIP's vocabulary (see reference/text/clip_bpe_reference.json), prompt then negative prompt
        assertArrayEquals(prompt, fakes.text.calls.get(0)[0]);
        assertArrayEquals(empty, fakes.text.calls.get(0)[1]);
    }

    @Test
    void listenerGetsEveryStepInOrder() throws Exception {
        List<StepSnapshot> seen = new ArrayList<>();
        List<float[]> latentsWhenSeen = new ArrayList<>();
        GenerationResult result = pipeline(4).generate(request(64, 64, 4, 7.5, SchedulerKind.PNDM, 1, 0), null, null, s -> {
            seen.add(s);
            latentsWhenSeen.add(s.latent().data().clone());
        }, new CancellationToken());

        Scheduler expected = Schedulers.create(SchedulerKind.PNDM, SchedulerConfig.sd15());
        expected.setTimesteps(4);
        double[] timesteps = expected.timesteps(); // PNDM: 5 entries for 4 steps (its warm-up repeats one)
        assertEquals(timesteps.length, seen.size());
        for (int i = 0; i < seen.size(); i++) {
            StepSnapshot s = seen.get(i);
            assertEquals(i, s.stepIndex());
            assertEquals(timesteps.length, s.stepCount());
            assertEquals(timesteps[i], s.timestep());
            assertEquals(expected.sigmaAt(i), s.sigma(), 1e-12);
            assertTrue(!s.elapsed().isNegative() && !s.elapsed().isZero(), "elapsed " + s.elapsed());
            if (i > 0) assertTrue(s.elapsed().compareTo(seen.get(i - 1).elapsed()) > 0, "elapsed time must grow: " + s.elapsed());
            assertArrayEquals(new int[] {1, 4, 8, 8}, s.latent().shape());
            assertArrayEquals(new int[] {1, 4, 8, 8}, s.x0().shape());
            // a snapshot is not changed by the steps after it
            assertArrayEquals(latentsWhenSeen.get(i), s.latent().data(), "snapshot " + i + " was modified later");
        }
        assertArrayEquals(seen.get(seen.size() - 1).latent().data(), result.finalLatent().data());
        assertEquals(timesteps.length, result.timings().stepNanos().length);
    }

    @Test
    void onlyTheLastStepIsMarkedAsTheLast() throws Exception {
        // the UNet may give back its working memory after that call, before the VAE decode
        pipeline(4).generate(request(64, 64, 4, 7.5, SchedulerKind.PNDM, 1, 0), null, null, StepListener.NONE, new CancellationToken());
        assertEquals(List.of(fakes.unet.calls() - 1), fakes.unet.lastCalls);
        fakes.unet.lastCalls.clear();
        pipeline(4).generate(request(64, 64, 3, 7.5, SchedulerKind.EULER, 1, 0), null, null, StepListener.NONE, new CancellationToken());
        assertEquals(1, fakes.unet.lastCalls.size());
        assertEquals(fakes.unet.calls() - 1, fakes.unet.lastCalls.get(0));
    }

    @Test
    void cancellingFromTheListenerStopsBeforeTheNextModelCall() {
        CancellationToken token = new CancellationToken();
        List<Integer> seen = new ArrayList<>();
        assertThrows(CancellationException.class, () -> pipeline(4).generate(request(64, 64, 10, 7.5, SchedulerKind.EULER, 1, 0), null, null, s -> {
            seen.add(s.stepIndex());
            if (s.stepIndex() == 2) token.cancel();
        }, token));
        assertEquals(List.of(0, 1, 2), seen);
        assertEquals(3, fakes.unet.calls(), "no UNet call after the cancelling step");
        assertNull(fakes.decoder.lastOutput, "nothing decoded");
    }

    @Test
    void cancellingDuringAModelCallStopsWithinThatStep() {
        CancellationToken token = new CancellationToken();
        List<Integer> seen = new ArrayList<>();
        // as a cancel from the UI thread arriving while the UNet runs its third call
        fakes.unet.beforeEach = () -> {
            if (fakes.unet.calls() == 2) token.cancel();
        };
        assertThrows(CancellationException.class, () -> pipeline(4).generate(request(64, 64, 10, 7.5, SchedulerKind.DDIM, 1, 0),
                null, null, s -> seen.add(s.stepIndex()), token));
        assertEquals(List.of(0, 1), seen, "the cancelled step is not reported");
        assertEquals(3, fakes.unet.calls());
    }

    @Test
    void cancelledBeforeStartCallsNoModel() {
        CancellationToken token = new CancellationToken();
        token.cancel();
        assertThrows(CancellationException.class, () -> pipeline(4).generate(request(64, 64, 10, 7.5, SchedulerKind.DDIM, 1, 0),
                null, null, StepListener.NONE, token));
        assertEquals(0, fakes.unet.calls());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "steps 0         | 64 | 64 | 0    | 7.5  | 0.8 | steps:",
            "steps 1001      | 64 | 64 | 1001 | 7.5  | 0.8 | steps:",
            "cfg -1          | 64 | 64 | 10   | -1   | 0.8 | cfg:",
            "cfg NaN         | 64 | 64 | 10   | NaN  | 0.8 | cfg:",
            "cfg 1e308       | 64 | 64 | 10   | 1e308 | 0.8 | cfg:",
            "cfg Infinity    | 64 | 64 | 10   | Infinity | 0.8 | cfg:",
            "cfg 100.5       | 64 | 64 | 10   | 100.5 | 0.8 | cfg:",
            "strength NaN    | 64 | 64 | 10   | 7.5  | NaN | strength:",
            "width 8256      | 8256 | 64 | 10 | 7.5  | 0.8 | size:",
            "strength 1.5    | 64 | 64 | 10   | 7.5  | 1.5 | strength:",
            "strength -0.1   | 64 | 64 | 10   | 7.5  | -0.1 | strength:",
            "width 63        | 63 | 64 | 10   | 7.5  | 0.8 | size:",
            "height 0        | 64 | 0  | 10   | 7.5  | 0.8 | size:",
    })
    void badRequestsAreRefusedWithOneLine(String what, int w, int h, int steps, double cfg, double strength, String prefix) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> pipeline(4).generate(
                request(w, h, steps, cfg, SchedulerKind.DDIM, strength, 0), null, null, StepListener.NONE, new CancellationToken()));
        assertOneLine(e, prefix);
        assertTrue(fakes.text.calls.isEmpty(), "refused before any model call");
    }

    @Test
    void maskWithoutInitIsRefused() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> pipeline(4).generate(
                request(64, 64, 10, 7.5, SchedulerKind.DDIM, 1, 0), null, FakeModels.mask(64, 64, 0, 0, 8, 8),
                StepListener.NONE, new CancellationToken()));
        assertOneLine(e, "mask:");
        assertTrue(fakes.text.calls.isEmpty());
    }

    @Test
    void maskOfAnotherSizeIsRefused() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> pipeline(4).generate(
                request(64, 64, 10, 7.5, SchedulerKind.DDIM, 1, 0), FakeModels.picture(64, 64), FakeModels.mask(64, 72, 0, 0, 8, 8),
                StepListener.NONE, new CancellationToken()));
        assertOneLine(e, "mask:");
        assertTrue(e.getMessage().contains("64x72") && e.getMessage().contains("64x64"), e.getMessage());
        assertTrue(fakes.text.calls.isEmpty());
    }

    @Test
    void sizeIsRoundedDownToTheModelsMultipleWithANotice() throws Exception {
        GenerationResult r = pipeline(4).generate(request(100, 130, 2, 7.5, SchedulerKind.DDIM, 1, 0), null, null,
                StepListener.NONE, new CancellationToken());
        // multiple = 8 × the VAE factor 8 = 64
        assertEquals(64, r.image().getWidth());
        assertEquals(128, r.image().getHeight());
        assertEquals(64, r.request().width());
        assertEquals(128, r.request().height());
        assertArrayEquals(new int[] {1, 4, 16, 8}, r.finalLatent().shape());
        assertEquals(1, r.notices().size(), r.notices().toString());
        String notice = r.notices().get(0);
        assertTrue(notice.contains("100x130") && notice.contains("64x128"), notice);
        assertFalse(notice.contains("\n"));
    }

    @Test
    void exactSizeGivesNoNotice() throws Exception {
        GenerationResult r = pipeline(4).generate(request(128, 64, 2, 7.5, SchedulerKind.DDIM, 1, 0), null, null,
                StepListener.NONE, new CancellationToken());
        assertEquals(List.of(), r.notices());
        assertEquals(128, r.image().getWidth());
    }

    /**
     * Every pixel the mask does not select (luminance below one half, as the mask is binarised) is
     * the original's exactly, for both kinds of UNet, hard and feathered edges, full and partial strength.
     */
    @ParameterizedTest(name = "{0}-channel UNet, feather {1}, strength {2}")
    @CsvSource({"4, 0, 1.0", "4, 8, 0.7", "9, 0, 1.0", "9, 8, 0.5"})
    void inpaintingKeepsEveryPixelOutsideTheMask(int channels, double feather, double strength) throws Exception {
        int w = 128, h = 64;
        BufferedImage init = FakeModels.picture(w, h);
        // a rectangle with a grey ramp on its left side: 0 to 255 over 32 pixels, so the mask is soft there
        BufferedImage mask = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 10; y < 50; y++) {
            for (int x = 20; x < 100; x++) {
                int v = x < 52 ? (x - 20) * 255 / 31 : 255;
                mask.setRGB(x, y, v << 16 | v << 8 | v);
            }
        }
        GenerationResult r = pipeline(channels).generate(request(w, h, 6, 7.5, SchedulerKind.EULER_ANCESTRAL, strength, feather),
                init, mask, StepListener.NONE, new CancellationToken());
        assertEquals(GenerationMode.INPAINT, r.mode());
        int kept = 0, changed = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int m = mask.getRGB(x, y) & 0xFF;
                if (m < 128) {
                    if (r.image().getRGB(x, y) != init.getRGB(x, y)) {
                        fail("pixel (" + x + ", " + y + ") outside the mask (value " + m + ") changed: "
                                + Integer.toHexString(r.image().getRGB(x, y)) + " instead of " + Integer.toHexString(init.getRGB(x, y)));
                    }
                    kept++;
                } else if (r.image().getRGB(x, y) != init.getRGB(x, y)) {
                    changed++;
                }
            }
        }
        assertTrue(kept > 0);
        assertTrue(changed > 1000, "the masked area was repainted (" + changed + " pixels changed)");
    }

    /** A picture with transparency (a layer of a painting) keeps its pixels, alpha included, outside the mask. */
    @ParameterizedTest(name = "{0}-channel UNet")
    @CsvSource({"4", "9"})
    void inpaintingKeepsTransparentPixelsOutsideTheMask(int channels) throws Exception {
        BufferedImage init = new BufferedImage(64, 64, BufferedImage.TYPE_INT_ARGB);
        BufferedImage rgb = FakeModels.picture(64, 64);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) init.setRGB(x, y, ((x * 4) & 0xFF) << 24 | (rgb.getRGB(x, y) & 0xFFFFFF));
        }
        BufferedImage mask = FakeModels.mask(64, 64, 16, 16, 48, 48);
        GenerationResult r = pipeline(channels).generate(request(64, 64, 3, 7.5, SchedulerKind.DDIM, 1.0, 0), init, mask,
                StepListener.NONE, new CancellationToken());
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                boolean inside = x >= 16 && x < 48 && y >= 16 && y < 48;
                int got = r.image().getRGB(x, y);
                if (!inside && got != init.getRGB(x, y)) {
                    fail("pixel (" + x + ", " + y + ") outside the mask changed: " + Integer.toHexString(got)
                            + " instead of " + Integer.toHexString(init.getRGB(x, y)));
                }
                if (inside) assertEquals(0xFF, got >>> 24, "repainted pixels are opaque");
            }
        }
    }

    @Test
    void inpaintingModelAtFullStrengthEncodesOnlyTheMaskedPicture() throws Exception {
        pipeline(9).generate(request(64, 64, 3, 7.5, SchedulerKind.DDIM, 1.0, 0), FakeModels.picture(64, 64),
                FakeModels.mask(64, 64, 16, 16, 48, 48), StepListener.NONE, new CancellationToken());
        // diffusers' inpaint pipeline encodes the picture itself only to start below full strength
        // or to blend for a 4-channel UNet; the masked picture is the one encoding needed here.
        assertEquals(1, fakes.encoder.inputs.size());
        float[] masked = fakes.encoder.inputs.get(0).data();
        assertEquals(0f, masked[32 * 64 + 32], "inside the mask the picture is blanked to 0");
        assertTrue(masked[0] != 0f);
    }

    /**
     * An inpainting UNet asked for txt2img or img2img gets its extra channels as AUTOMATIC1111 gives
     * them: a mask of ones and the latents of an all mid-grey (0) picture, so it repaints everything.
     */
    @ParameterizedTest(name = "with init picture: {0}")
    @CsvSource({"false", "true"})
    void inpaintingModelWithoutMaskRepaintsEverything(boolean withInit) throws Exception {
        BufferedImage init = withInit ? FakeModels.picture(64, 64) : null;
        GenerationResult r = pipeline(9).generate(request(64, 64, 4, 7.5, SchedulerKind.DDIM, 0.75, 0), init, null,
                StepListener.NONE, new CancellationToken());
        assertEquals(withInit ? GenerationMode.IMG2IMG : GenerationMode.TXT2IMG, r.mode());
        Tensor input = fakes.unet.samples.get(0);
        assertEquals(9, input.dim(1));
        Tensor grey = new FakeModels.Encoder().encode(Tensor.zeros(1, 3, 64, 64));
        float[] d = input.batchItem(0).data();
        for (int i = 0; i < 64; i++) assertEquals(1f, d[4 * 64 + i], "mask channel");
        assertArrayEquals(grey.data(), Arrays.copyOfRange(d, 5 * 64, 9 * 64), "masked-picture channels");
    }

    @Test
    void strengthTooLowForAnyStepKeepsTheEncodedPictureWithANotice() throws Exception {
        // 10 DDIM steps at strength 0.05: int(10 · 0.05) = 0 steps to run (diffusers refuses; the engine re-encodes)
        GenerationResult r = pipeline(4).generate(request(64, 64, 10, 7.5, SchedulerKind.DDIM, 0.05, 0), FakeModels.picture(64, 64),
                null, StepListener.NONE, new CancellationToken());
        assertEquals(0, fakes.unet.calls());
        assertArrayEquals(fakes.encoder.encode(fakes.encoder.inputs.get(0)).data(), r.finalLatent().data());
        assertTrue(r.notices().stream().anyMatch(n -> n.startsWith("strength 0.05")), r.notices().toString());
    }

    private static void assertOneLine(Exception e, String prefix) {
        String m = e.getMessage();
        assertTrue(m.startsWith(prefix), "message should start with '" + prefix + "': " + m);
        assertFalse(m.contains("\n") || m.contains("\r"), "message on one line: " + m);
    }
}
