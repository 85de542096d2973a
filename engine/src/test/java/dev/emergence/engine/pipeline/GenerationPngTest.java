package dev.emergence.engine.pipeline;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.image.A1111Parameters;
import dev.emergence.engine.image.PngMetadata;
import dev.emergence.engine.scheduler.ScheduleType;
import dev.emergence.engine.scheduler.SchedulerKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schedule type in a picture's two texts, and what of another tool's parameters is named as
 * ignored. AUTOMATIC1111's names and defaults: modules/processing.py create_infotext (writes
 * "Schedule type" after "Sampler"), modules/sd_samplers.py get_sampler_and_scheduler (reads it;
 * DPM++ 2M's default is Karras), modules/extra_networks.py parse_prompt (takes {@code <name:args>}
 * tags out of the prompt).
 */
class GenerationPngTest {
    @TempDir
    Path dir;

    private static GenerationRequest request(SchedulerKind kind, ScheduleType type) {
        return new GenerationRequest("p", "", 64, 64, 4, 7, 1, kind, type, 0.8, 0, null, null, "m");
    }

    @Test
    void theScheduleTypeIsWrittenAsAutomatic1111WritesIt() {
        assertEquals("p\nSteps: 4, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 64x64, Model: m",
                GenerationPng.toA1111(request(SchedulerKind.DPMPP_2M, ScheduleType.KARRAS), GenerationMode.TXT2IMG).format());
        assertEquals("p\nSteps: 4, Sampler: Euler a, Schedule type: SGM Uniform, CFG scale: 7, Seed: 1, Size: 64x64, Model: m",
                GenerationPng.toA1111(request(SchedulerKind.EULER_ANCESTRAL, ScheduleType.SGM_UNIFORM), GenerationMode.TXT2IMG).format());
        // DDIM and PLMS take none; AUTOMATIC1111 writes its dropdown's "Automatic" for them.
        assertEquals("p\nSteps: 4, Sampler: PLMS, Schedule type: Automatic, CFG scale: 7, Seed: 1, Size: 64x64, Model: m",
                GenerationPng.toA1111(request(SchedulerKind.PNDM, ScheduleType.AUTOMATIC), GenerationMode.TXT2IMG).format());
    }

    @Test
    void everyPairReadsBackFromBothTexts() throws Exception {
        int n = 0;
        for (SchedulerKind kind : SchedulerKind.samplers()) {
            for (ScheduleType type : ScheduleType.forKind(kind)) {
                if (type == ScheduleType.AUTOMATIC && ScheduleType.forKind(kind).size() > 1) continue; // the pipeline names it
                GenerationRequest r = request(kind, type);
                Path png = dir.resolve(kind + "-" + type + ".png");
                GenerationPng.save(png, new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), r, GenerationMode.TXT2IMG);
                assertEquals(r, GenerationPng.readRequest(png));
                GenerationRequest fromText = GenerationPng.fromA1111(A1111Parameters.parse(PngMetadata.read(png).get("parameters")), "x").request();
                assertEquals(kind, fromText.scheduler(), png.toString());
                assertEquals(type, fromText.schedule(), png.toString());
                n++;
            }
        }
        assertEquals(17, n);
    }

    @Test
    void anOlderRequestWithTheKarrasKindReadsAsThePair() throws Exception {
        Path png = dir.resolve("old.png");
        PngMetadata.write(png, new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), Map.of(GenerationPng.REQUEST_KEY,
                "{\"prompt\":\"p\",\"negativePrompt\":\"\",\"width\":64,\"height\":64,\"steps\":4,\"cfgScale\":7.0,\"seed\":1,"
                        + "\"scheduler\":\"DPMPP_2M_KARRAS\",\"strength\":0.8,\"maskFeatherPixels\":0.0,\"model\":\"m\"}"));
        GenerationRequest r = GenerationPng.readRequest(png);
        assertEquals(SchedulerKind.DPMPP_2M, r.scheduler());
        assertEquals(ScheduleType.KARRAS, r.schedule());
    }

    @Test
    void oldAutomatic1111NamesAndDefaults() throws Exception {
        assertEquals(List.of(SchedulerKind.DPMPP_2M, ScheduleType.KARRAS), pair("Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1, Size: 64x64"));
        assertEquals(List.of(SchedulerKind.DPMPP_2M, ScheduleType.KARRAS), pair("Steps: 20, Sampler: DPM++ 2M, CFG scale: 7, Seed: 1, Size: 64x64"));
        assertEquals(List.of(SchedulerKind.DPMPP_2M, ScheduleType.UNIFORM),
                pair("Steps: 20, Sampler: DPM++ 2M, Schedule type: Uniform, CFG scale: 7, Seed: 1, Size: 64x64"));
        assertEquals(List.of(SchedulerKind.LMS, ScheduleType.KARRAS), pair("Steps: 20, Sampler: LMS Karras, CFG scale: 7, Seed: 1, Size: 64x64"));
        assertEquals(List.of(SchedulerKind.EULER, ScheduleType.UNIFORM),
                pair("Steps: 20, Sampler: Euler, Schedule type: Automatic, CFG scale: 7, Seed: 1, Size: 64x64"));
        assertEquals(List.of(SchedulerKind.EULER_ANCESTRAL, ScheduleType.SGM_UNIFORM),
                pair("Steps: 20, Sampler: Euler a, Schedule type: SGM Uniform, CFG scale: 7, Seed: 1, Size: 64x64"));
        // the sampler's suffix wins over the entry
        assertEquals(List.of(SchedulerKind.EULER, ScheduleType.EXPONENTIAL),
                pair("Steps: 20, Sampler: Euler Exponential, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 64x64"));
    }

    @Test
    void whatTheEngineLacksIsRefusedAndWhatDdimIgnoresIsNamed() throws Exception {
        InvalidRequestException beta = assertThrows(InvalidRequestException.class, () -> read(
                "Steps: 20, Sampler: Euler, Schedule type: Beta, CFG scale: 7, Seed: 1, Size: 64x64"));
        assertEquals("x.png: Schedule type 'Beta' is not one this engine has; expected Automatic, Uniform, Karras, Exponential or SGM Uniform",
                beta.getMessage());
        InvalidRequestException karras = assertThrows(InvalidRequestException.class, () -> read(
                "Steps: 20, Sampler: Euler a, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 64x64"));
        assertEquals("x.png: Schedule type 'Karras' with sampler 'Euler a': the Euler a scheduler has no Karras schedule;"
                + " expected automatic, uniform or sgm_uniform", karras.getMessage());
        InvalidRequestException unknown = assertThrows(InvalidRequestException.class, () -> read(
                "Steps: 20, Sampler: Euler, Schedule type: Sideways, CFG scale: 7, Seed: 1, Size: 64x64"));
        assertTrue(unknown.getMessage().startsWith("x.png: Schedule type 'Sideways' is unknown; expected Automatic,"), unknown.getMessage());

        GenerationPng.Read ddim = read("Steps: 20, Sampler: DDIM, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 64x64");
        assertEquals(ScheduleType.AUTOMATIC, ddim.request().schedule());
        assertEquals(List.of("Schedule type Karras (the DDIM sampler takes none)"), ddim.ignored());
    }

    @Test
    void theStrengthOfAHiresFixIsNotAnImg2imgStrength() throws Exception {
        GenerationPng.Read hires = read("Steps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 64x64, Denoising strength: 0.4,"
                + " Hires upscale: 2, Hires steps: 10, Hires upscaler: Latent");
        assertEquals(GenerationRequest.DEFAULT_STRENGTH, hires.request().strength());
        assertEquals(List.of("Denoising strength (of the Hires fix)", "Hires upscale", "Hires steps", "Hires upscaler"), hires.ignored());
        GenerationPng.Read img2img = read("Steps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 64x64, Denoising strength: 0.4");
        assertEquals(0.4, img2img.request().strength());
        assertEquals(List.of(), img2img.ignored());
        // AUTOMATIC1111 writes a Denoising strength for img2img, and for txt2img only with a Hires fix
        // (modules/processing.py: StableDiffusionProcessingImg2Img.init always sets extra_generation_params["Denoising
        // strength"], StableDiffusionProcessingTxt2Img.init only when enable_hr).
        assertTrue(img2img.fromAPicture(), "an image-to-image picture");
        assertFalse(hires.fromAPicture(), "text to image with a Hires fix");
        assertFalse(read("Steps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 64x64").fromAPicture(), "text to image");
        assertEquals("x.png: ignored what the engine cannot apply: Denoising strength (of the Hires fix), Hires upscale, Hires steps,"
                + " Hires upscaler", hires.notice(Path.of("x.png")).orElseThrow());
    }

    @Test
    void loraTagsStayInThePromptOtherExtraNetworkTagsGoAsAutomatic1111TakesThemOut() throws Exception {
        GenerationPng.Read r = read("<lora:a b:0.8>cat, <hypernet:h:1>dog <not a tag> <x:>\nNegative prompt: <lyco:z>ugly\n"
                + "Steps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 64x64, Lora hashes: \"a b: 0123456789ab\"");
        // the LoRA tag is applied when generating (or named missing there); Lora hashes is no setting to ignore
        assertEquals("<lora:a b:0.8>cat, dog <not a tag> <x:>", r.request().prompt());
        assertEquals("ugly", r.request().negativePrompt());
        assertEquals(List.of("<hypernet:h:1> in the prompt", "<lyco:z> in the negative prompt"), r.ignored());
        assertEquals(List.of(new ExtraNetworks.LoraTag("<lora:a b:0.8>", "a b", 0.8)), ExtraNetworks.strip(r.request().prompt()).loras());
        assertEquals("cat, dog <not a tag> <x:>", ExtraNetworks.strip(r.request().prompt()).text());
    }

    @Test
    void loraTagsAsAutomatic1111WritesThem() throws Exception {
        assertEquals(List.of(new ExtraNetworks.LoraTag("<lora:ink>", "ink", 1.0), new ExtraNetworks.LoraTag("<lora:x:-0.5:1>", "x", -0.5, 1.0)),
                ExtraNetworks.strip("a <lora:ink> b <lora:x:-0.5:1>").loras());
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> ExtraNetworks.strip("<lora:ink:strong>").loras());
        assertEquals("prompt: <lora:ink:strong> has the weight 'strong'; expected a number, as in <lora:ink:0.8>", e.getMessage());
    }

    @Test
    void loraHashesAreWrittenAsAutomatic1111WritesThem() {
        GenerationRequest r = new GenerationRequest("a <lora:ink:0.8>", "", 64, 64, 2, 7, 1, dev.emergence.engine.scheduler.SchedulerKind.EULER,
                0.8, 0, null, null, "m");
        String text = GenerationPng.toA1111(r, GenerationMode.TXT2IMG, new java.util.LinkedHashMap<>(java.util.Map.of("ink", "0123456789ab"))).format();
        assertTrue(text.endsWith(", Lora hashes: \"ink: 0123456789ab\""), text);
    }

    /** Many unclosed tags: a backtracking <(\w+):([^>]+)> scans to the end from each. */
    @Test
    @Timeout(value = 5, unit = TimeUnit.SECONDS)
    void tagsAreFoundInLinearTime() {
        String hostile = "<a:".repeat(100_000 / 3);
        ExtraNetworks e = ExtraNetworks.strip(hostile);
        assertEquals(hostile, e.text());
        assertEquals(List.of(), e.tags());
        assertEquals(List.of("<a:<a:b>"), ExtraNetworks.strip("<a:<a:b>").tags());
    }

    private static List<Object> pair(String line) throws Exception {
        GenerationRequest r = read(line).request();
        return List.of(r.scheduler(), r.schedule());
    }

    private static GenerationPng.Read read(String text) throws InvalidRequestException {
        return GenerationPng.fromA1111(A1111Parameters.parse(text), "x.png");
    }
}
