package dev.emergence.engine.pipeline;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.image.A1111Parameters;
import dev.emergence.engine.scheduler.SchedulerConfig;
import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.tensor.Tensor;
import dev.emergence.engine.text.ClipTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A weighted prompt through the whole pipeline ({@link FakeModels}, the word tokenizer with CLIP's ids):
 * the UNet is given the plain prompt's text states with AUTOMATIC1111's weighting applied (worked
 * out here from the unweighted states: each position times its weight, then the window rescaled to
 * its former mean), the negative prompt's syntax is read too, and the picture's files keep the
 * prompt as typed, so it is made again the same way.
 */
class PromptWeightsPipelineTest {
    private static final int L = 77, D = FakeModels.TEXT_DIM;

    @TempDir
    static Path tokenizerDir;
    @TempDir
    Path out;
    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void writeTokenizer() throws Exception {
        tokenizer = FakeModels.wordTokenizer(tokenizerDir);
    }

    @AfterAll
    static void closeTokenizer() {
        if (tokenizer != null) tokenizer.close();
    }

    private static GenerationRequest request(String prompt, String negative) {
        return new GenerationRequest(prompt, negative, 64, 64, 1, 7.5, 42, SchedulerKind.DDIM, 1, 0, null, null, null);
    }

    /** The UNet's text states [uncond; cond] for one generation. */
    private static Tensor statesFor(GenerationRequest r) throws Exception {
        FakeModels.Set fakes = new FakeModels.Set();
        new StableDiffusionPipeline(fakes.components(tokenizer, SchedulerConfig.sd15(), 4))
                .generate(r, null, null, StepListener.NONE, new CancellationToken());
        Tensor text = fakes.unet.texts.get(0);
        assertArrayEquals(new int[] {2, L, D}, text.shape());
        return text;
    }

    /** A1111's "Original" emphasis on one window, in double: z·w, then ·(mean before / mean after). */
    private static float[] weighted(float[] window, double[] weights) {
        double before = 0, after = 0;
        double[] z = new double[window.length];
        for (int p = 0; p < L; p++) {
            for (int c = 0; c < D; c++) {
                before += window[p * D + c];
                z[p * D + c] = window[p * D + c] * weights[p];
                after += z[p * D + c];
            }
        }
        float[] outp = new float[window.length];
        for (int i = 0; i < z.length; i++) outp[i] = (float) (z[i] * (before / after));
        return outp;
    }

    private static double[] ones() {
        double[] w = new double[L];
        Arrays.fill(w, 1);
        return w;
    }

    @Test
    void weightedPromptScalesItsWordsInTheUnetsTextStates() throws Exception {
        Tensor plain = statesFor(request("a photo of a cat", ""));
        Tensor weightedRun = statesFor(request("a (photo:1.3) of [a cat]", ""));
        float[] plainCond = plain.batchItem(1).data(), plainUncond = plain.batchItem(0).data();

        // Same ids (the brackets are syntax, not words): positions 1..5 are a, photo, of, a, cat after the
        // start token; photo 1.3, "a cat" 1/1.1, everything else 1.
        double[] w = ones();
        w[2] = 1.3;
        w[4] = 1 / 1.1;
        w[5] = 1 / 1.1;
        float[] expected = weighted(plainCond, w);
        float[] actual = weightedRun.batchItem(1).data();
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], 1e-5f, "cond at " + i);
        // The window's mean is what it was; the negative prompt's half is untouched.
        assertEquals(mean(plainCond), mean(actual), 1e-6);
        assertArrayEquals(plainUncond, weightedRun.batchItem(0).data());
        assertNotEquals(plainCond[2 * D], actual[2 * D], "the weighted word's state changed");
    }

    @Test
    void negativePromptSyntaxIsReadToo() throws Exception {
        Tensor plain = statesFor(request("a cat", "a photo"));
        Tensor weightedRun = statesFor(request("a cat", "((a photo))"));
        double[] w = ones();
        w[1] = 1.1 * 1.1;
        w[2] = 1.1 * 1.1;
        float[] expected = weighted(plain.batchItem(0).data(), w);
        float[] actual = weightedRun.batchItem(0).data();
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], 1e-5f, "uncond at " + i);
        assertArrayEquals(plain.batchItem(1).data(), weightedRun.batchItem(1).data());
    }

    @Test
    void breakPutsTheRestInANewWindow() throws Exception {
        // "a photo BREAK of a cat": [start a photo end pad…] [start of a cat end pad…]: two windows of 77.
        FakeModels.Set fakes = new FakeModels.Set();
        new StableDiffusionPipeline(fakes.components(tokenizer, SchedulerConfig.sd15(), 4))
                .generate(request("a photo BREAK of a cat", ""), null, null, StepListener.NONE, new CancellationToken());
        int[][] ids = fakes.text.calls.get(0);
        assertEquals(4, ids.length, "two windows each for the prompt and the negative prompt");
        assertArrayEquals(new int[] {49406, 320, 1125, 49407, 49407}, Arrays.copyOf(ids[0], 5));
        assertArrayEquals(new int[] {49406, 539, 320, 2368, 49407}, Arrays.copyOf(ids[1], 5));
        assertArrayEquals(new int[] {2, 2 * L, D}, fakes.unet.texts.get(0).shape());
    }

    @Test
    void badWeightIsRefusedBeforeAnyModelRuns() {
        FakeModels.Set fakes = new FakeModels.Set();
        StableDiffusionPipeline p = new StableDiffusionPipeline(fakes.components(tokenizer, SchedulerConfig.sd15(), 4));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> p.generate(request("a (cat:1.2.3)", ""), null, null, StepListener.NONE, new CancellationToken()));
        assertEquals("prompt: \"(cat:1.2.3)\" at character 3: the weight 1.2.3 is not a number; expected one such as 1.2"
                + " (write \\( \\) for literal brackets)", e.getMessage());
        assertTrue(fakes.text.calls.isEmpty());
        assertThrows(InvalidRequestException.class,
                () -> p.generate(request("a cat", "(x:" + "9".repeat(400) + ")"), null, null, StepListener.NONE, new CancellationToken()));
    }

    @Test
    void picturesKeepThePromptAsTyped() throws Exception {
        String prompt = "masterpiece, (a photo:1.3) of [a cat], \\(literal\\) BREAK ((sky))";
        String negative = "[[blurry]], (ugly:0.5)";
        GenerationRequest r = request(prompt, negative);
        FakeModels.Set fakes = new FakeModels.Set();
        GenerationResult result = new StableDiffusionPipeline(fakes.components(tokenizer, SchedulerConfig.sd15(), 4))
                .generate(r, null, null, StepListener.NONE, new CancellationToken());
        Path png = out.resolve("weighted.png");
        GenerationPng.save(png, result.image(), result.request(), result.mode());
        GenerationRequest back = GenerationPng.readRequest(png);
        assertEquals(prompt, back.prompt());
        assertEquals(negative, back.negativePrompt());
        // Through AUTOMATIC1111's parameters text alone (a PNG from another tool), the same.
        A1111Parameters a = A1111Parameters.parse(GenerationPng.toA1111(r, GenerationMode.TXT2IMG).format());
        assertEquals(prompt, a.prompt());
        assertEquals(negative, a.negativePrompt());
        // And the prompt read back conditions the UNet exactly as before.
        FakeModels.Set again = new FakeModels.Set();
        new StableDiffusionPipeline(again.components(tokenizer, SchedulerConfig.sd15(), 4))
                .generate(back, null, null, StepListener.NONE, new CancellationToken());
        assertArrayEquals(fakes.unet.texts.get(0).data(), again.unet.texts.get(0).data());
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s / v.length;
    }
}
