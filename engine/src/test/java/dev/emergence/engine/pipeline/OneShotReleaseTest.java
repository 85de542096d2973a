package dev.emergence.engine.pipeline;

import dev.emergence.engine.control.ControlInput;
import dev.emergence.engine.control.ControlUnit;
import dev.emergence.engine.control.PreprocessorKind;
import dev.emergence.engine.lora.LoraMerger;
import dev.emergence.engine.lora.LoraWeight;
import dev.emergence.engine.model.ModelBundle;
import dev.emergence.engine.model.OneShotPart;
import dev.emergence.engine.model.OnnxControlNet;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.runtime.OneShotRelease;
import dev.emergence.engine.scheduler.SchedulerKind;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sessions a generation runs once, closed while the UNet runs and opened again when next needed
 * ({@link OneShotRelease}), give exactly the pictures of sessions kept open: txt2img, img2img and
 * inpainting, with LoRAs and with a ControlNet, over two generations each.
 */
class OneShotReleaseTest {
    private static final Path MODELS = Path.of("testmodels");
    private static final ExecutionOptions CPU = ExecutionOptions.cpu(1);
    private static final Path LORA = MODELS.resolve("tiny-lora").resolve("loras").resolve("kohya-style.safetensors");

    private static GenerationRequest request(long seed, double strength) {
        return new GenerationRequest("a red circle", "blurry", 64, 64, 3, 7.5, seed, SchedulerKind.EULER, strength, 0, null, null, null);
    }

    /** The final latents and pixels of each generation, for comparing bit for bit. */
    private record Outputs(List<float[]> latents, List<BufferedImage> images) {
        Outputs() {
            this(new ArrayList<>(), new ArrayList<>());
        }

        void add(GenerationResult r) {
            latents.add(r.finalLatent().data());
            images.add(r.image());
        }

        void assertSame(Outputs other, String what) {
            assertEquals(latents.size(), other.latents.size());
            for (int i = 0; i < latents.size(); i++) {
                assertArrayEquals(latents.get(i), other.latents.get(i), what + ": latents of generation " + (i + 1));
                assertTrue(EngineTest.samePixels(images.get(i), other.images.get(i)), what + ": pixels of generation " + (i + 1));
            }
        }
    }

    private static GenerationResult generate(LoadedModel m, GenerationRequest r, BufferedImage init, BufferedImage mask) throws Exception {
        return m.pipeline().generate(r, init, mask, StepListener.NONE, new CancellationToken());
    }

    /** txt2img, img2img and inpainting, twice each, on tiny-sd. */
    private static Outputs modes(OneShotRelease release, List<int[]> opens) throws Exception {
        Outputs out = new Outputs();
        try (LoadedModel m = LoadedModel.open(MODELS.resolve("tiny-sd"), CPU.withOneShotRelease(release))) {
            BufferedImage picture = FakeModels.picture(64, 64), mask = FakeModels.mask(64, 64, 16, 16, 48, 48);
            for (int i = 0; i < 2; i++) out.add(generate(m, request(7 + i, 1.0), null, null));
            opens.add(opens(m.bundle()));
            assertFalse(m.bundle().sessionResident(OneShotPart.TEXT_ENCODER) && release == OneShotRelease.RELEASE,
                    "the text encoder is closed from the UNet's first step on");
            for (int i = 0; i < 2; i++) out.add(generate(m, request(7 + i, 0.6), picture, null));
            for (int i = 0; i < 2; i++) out.add(generate(m, request(7 + i, 0.75), picture, mask));
            opens.add(opens(m.bundle()));
        }
        return out;
    }

    private static int[] opens(ModelBundle b) {
        return new int[] {b.sessionOpens(OneShotPart.TEXT_ENCODER), b.sessionOpens(OneShotPart.VAE_ENCODER),
                b.sessionOpens(OneShotPart.VAE_DECODER)};
    }

    @Test
    void releasedSessionsGiveTheSamePicturesAndAreOpenedAgainEachGeneration() throws Exception {
        List<int[]> kept = new ArrayList<>(), released = new ArrayList<>();
        Outputs keep = modes(OneShotRelease.KEEP, kept);
        Outputs release = modes(OneShotRelease.RELEASE, released);
        release.assertSame(keep, "released against kept");
        // Kept: each opened once (the VAE encoder on first use).
        assertArrayEquals(new int[] {1, 0, 1}, kept.get(0));
        assertArrayEquals(new int[] {1, 1, 1}, kept.get(1));
        // Released at every generation's first UNet step: the text encoder opened again for the second of
        // two txt2img generations, the decoder for each decode, the encoder for each picture after the first.
        assertArrayEquals(new int[] {2, 0, 3}, released.get(0));
        assertArrayEquals(new int[] {6, 4, 7}, released.get(1));
    }

    @Test
    void smallModelsKeepTheirSessionsByDefault() throws Exception {
        try (ModelBundle b = ModelBundle.open(MODELS.resolve("tiny-sd"), CPU)) {
            assertEquals(OneShotRelease.AUTO, CPU.oneShotRelease());
            assertFalse(b.releasesOneShotSessions(), "a UNet of a few kilobytes");
        }
        assertTrue(OneShotRelease.AUTO.releases(OneShotRelease.LARGE_UNET_BYTES + 1, true));
        assertFalse(OneShotRelease.AUTO.releases(OneShotRelease.LARGE_UNET_BYTES + 1, false), "a GPU session is not cached");
        assertFalse(OneShotRelease.AUTO.releases(OneShotRelease.LARGE_UNET_BYTES, true));
    }

    @Test
    void aTextEncoderCarryingLorasIsKeptAndReleasedAgainWithoutThem() throws Exception {
        List<Outputs> runs = new ArrayList<>();
        for (OneShotRelease release : new OneShotRelease[] {OneShotRelease.KEEP, OneShotRelease.RELEASE}) {
            Outputs out = new Outputs();
            try (LoadedModel m = LoadedModel.open(MODELS.resolve("tiny-lora"), CPU.withOneShotRelease(release))) {
                out.add(generate(m, request(3, 1.0), null, null));
                m.applyLoras(List.of(new LoraWeight(LORA, "kohya-style", 0.8, 0.8)), LoraMerger.Progress.NONE, new CancellationToken());
                for (int i = 0; i < 2; i++) out.add(generate(m, request(3, 1.0), null, null));
                assertTrue(m.bundle().sessionResident(OneShotPart.TEXT_ENCODER), release + ": merging again each generation would cost more");
                assertEquals(1, m.bundle().sessionOpens(OneShotPart.TEXT_ENCODER));
                m.applyLoras(List.of(), LoraMerger.Progress.NONE, new CancellationToken());
                for (int i = 0; i < 2; i++) out.add(generate(m, request(3, 1.0), null, null));
                if (release == OneShotRelease.RELEASE) {
                    assertFalse(m.bundle().sessionResident(OneShotPart.TEXT_ENCODER), "its own weights again: released");
                    assertEquals(2, m.bundle().sessionOpens(OneShotPart.TEXT_ENCODER), "opened again for the second generation");
                }
            }
            runs.add(out);
        }
        runs.get(1).assertSame(runs.get(0), "LoRAs, released against kept");
        assertFalse(java.util.Arrays.equals(runs.get(0).latents().get(0), runs.get(0).latents().get(1)), "the LoRA changes the picture");
        assertArrayEquals(runs.get(0).latents().get(0), runs.get(0).latents().get(3), "back to the model's own weights");
    }

    @Test
    void aControlNetGenerationReleasesAndGivesTheSamePictures() throws Exception {
        List<Outputs> runs = new ArrayList<>();
        Path net = MODELS.resolve("tiny-controlnet-a");
        ControlUnit unit = new ControlUnit(net.toString(), PreprocessorKind.NONE);
        for (OneShotRelease release : new OneShotRelease[] {OneShotRelease.KEEP, OneShotRelease.RELEASE}) {
            Outputs out = new Outputs();
            try (LoadedModel m = LoadedModel.open(MODELS.resolve("tiny-sd-control"), CPU.withOneShotRelease(release))) {
                OnnxControlNet control = m.controlNet(net);
                for (int i = 0; i < 2; i++) {
                    out.add(m.pipeline().generate(request(5, 1.0).withControls(List.of(unit)), null, null,
                            List.of(new ControlInput(control, control.shortHash(), FakeModels.picture(64, 64))), StepListener.NONE,
                            new CancellationToken()));
                }
                assertEquals(release == OneShotRelease.RELEASE ? 2 : 1, m.bundle().sessionOpens(OneShotPart.TEXT_ENCODER));
            }
            runs.add(out);
        }
        runs.get(1).assertSame(runs.get(0), "ControlNet, released against kept");
    }
}
