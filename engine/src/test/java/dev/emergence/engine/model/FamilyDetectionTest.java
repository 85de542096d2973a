package dev.emergence.engine.model;

import dev.emergence.engine.scheduler.SchedulerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which family a folder is, from its files. The Turbo rules follow the published scheduler configs:
 * stabilityai/sd-turbo and sdxl-turbo use Euler schedulers with {@code timestep_spacing: trailing},
 * SD 2.1 and SDXL base 1.0 "leading"; LCM Dreamshaper v7's UNet takes timestep_cond; an LCM-LoRA
 * fused into an ordinary UNet comes with an LCMScheduler config.
 */
class FamilyDetectionTest {
    @TempDir
    Path temp;

    @Test
    void familiesFromTextWidthUnetInputsAndSchedulerConfig() throws Exception {
        Path folder = Path.of("any-model");
        SchedulerConfig leading = config("EulerDiscreteScheduler", "leading");
        SchedulerConfig trailing = config("EulerDiscreteScheduler", "trailing");
        SchedulerConfig ancestralTrailing = config("EulerAncestralDiscreteScheduler", "trailing");
        SchedulerConfig lcm = config("LCMScheduler", "leading");
        assertEquals(ModelFamily.SD1, ModelBundle.familyOf(folder, false, false, 768, leading));
        assertEquals(ModelFamily.SD2, ModelBundle.familyOf(folder, false, false, 1024, leading));
        assertEquals(ModelFamily.SD_TURBO, ModelBundle.familyOf(folder, false, false, 1024, trailing));
        assertEquals(ModelFamily.SD_TURBO, ModelBundle.familyOf(Path.of("my-SD-Turbo"), false, false, 1024, leading));
        assertEquals(ModelFamily.SDXL, ModelBundle.familyOf(folder, true, false, 2048, leading));
        assertEquals(ModelFamily.SDXL_TURBO, ModelBundle.familyOf(folder, true, false, 2048, ancestralTrailing));
        assertEquals(ModelFamily.LCM, ModelBundle.familyOf(folder, false, true, 768, lcm));
        assertEquals(ModelFamily.LCM_SDXL, ModelBundle.familyOf(folder, true, true, 2048, lcm));
        assertEquals(ModelFamily.LCM_LORA, ModelBundle.familyOf(folder, false, false, 768, lcm));
        assertEquals(ModelFamily.CUSTOM, ModelBundle.familyOf(folder, false, false, 96, leading));
        // DDIM with trailing spacing (SD 2.1 zero-SNR fine-tunes) is not a Turbo model.
        assertEquals(ModelFamily.SD2, ModelBundle.familyOf(folder, false, false, 1024, config("DDIMScheduler", "trailing")));
    }

    @Test
    void anSdTurboFolderOpensAsSdTurboAndItsDefaultsAreOneUnguidedStep() throws Exception {
        Path bundle = TestModels.copyBundle("tiny-sd2-v", temp);
        Path file = bundle.resolve("scheduler/scheduler_config.json");
        String json = Files.readString(file).replace("\"DDIMScheduler\"", "\"EulerDiscreteScheduler\"");
        json = json.contains("timestep_spacing") ? json.replaceAll("\"timestep_spacing\"\\s*:\\s*\"[a-z]+\"", "\"timestep_spacing\": \"trailing\"")
                : json.replaceFirst("\\{", "{\"timestep_spacing\": \"trailing\",");
        Files.writeString(file, json);
        try (ModelBundle b = ModelBundle.open(bundle, TestModels.CPU)) {
            assertEquals("SD-Turbo", b.info().family());
            assertEquals(1, b.info().familyKind().defaultSteps());
            assertEquals(0.0, b.info().familyKind().defaultCfg());
        }
    }

    private static SchedulerConfig config(String className, String spacing) throws Exception {
        return SchedulerConfig.parse("{\"_class_name\": \"" + className + "\", \"timestep_spacing\": \"" + spacing + "\"}");
    }
}
