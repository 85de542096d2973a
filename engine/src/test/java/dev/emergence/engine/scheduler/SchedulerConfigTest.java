package dev.emergence.engine.scheduler;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulerConfigTest {

    @TempDir
    Path dir;

    /** The keys of runwayml/stable-diffusion-v1-5's scheduler/scheduler_config.json as published. */
    @Test
    void sd15MatchesThePublishedConfig() {
        SchedulerConfig c = SchedulerConfig.sd15();
        assertEquals("PNDMScheduler", c.className());
        assertEquals(1000, c.numTrainTimesteps());
        assertEquals(0.00085, c.betaStart());
        assertEquals(0.012, c.betaEnd());
        assertEquals("scaled_linear", c.betaSchedule());
        assertEquals(1, c.stepsOffset());
        assertTrue(c.skipPrkSteps());
        assertEquals(Boolean.FALSE, c.setAlphaToOne());
        assertEquals(Boolean.FALSE, c.clipSample());
        assertEquals("epsilon", c.predictionType());
        assertNull(c.trainedBetas());
        // absent from the file: each scheduler class applies its own default
        assertNull(c.timestepSpacing());
    }

    @Test
    void loadsAFileIgnoringUnknownKeysAndNulls() throws IOException {
        Path f = write("""
                {"_class_name": "EulerDiscreteScheduler", "_diffusers_version": "0.21.0",
                 "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
                 "prediction_type": "v_prediction", "timestep_spacing": "trailing", "steps_offset": 1,
                 "sigma_min": null, "some_future_key": [1, 2, {"x": 3}], "use_karras_sigmas": true,
                 "lambda_min_clipped": -Infinity}""");
        SchedulerConfig c = SchedulerConfig.load(f);
        assertEquals("EulerDiscreteScheduler", c.className());
        assertEquals("v_prediction", c.predictionType());
        assertEquals("trailing", c.timestepSpacing());
        assertTrue(c.useKarrasSigmas());
        assertNull(c.sigmaMin());
        assertEquals(Double.NEGATIVE_INFINITY, c.lambdaMinClipped());
        assertNull(c.clipSample());
    }

    @Test
    void badJsonNamesTheFileInOneLine() throws IOException {
        Path f = write("{\"beta_start\": 0.00085,, }");
        IOException e = assertThrows(IOException.class, () -> SchedulerConfig.load(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void wrongValueTypesAndValuesAreReportedByKey() throws IOException {
        IOException type = assertThrows(IOException.class, () -> SchedulerConfig.load(write("{\"steps_offset\": \"one\"}")));
        assertTrue(type.getMessage().contains("steps_offset must be an integer"), type.getMessage());
        IOException value = assertThrows(IOException.class, () -> SchedulerConfig.load(write("{\"beta_schedule\": \"quadratic\"}")));
        assertTrue(value.getMessage().contains("beta_schedule \"quadratic\" is not supported"), value.getMessage());
        assertThrows(IOException.class, () -> SchedulerConfig.load(write("[1, 2]")));
        assertThrows(IOException.class, () -> SchedulerConfig.load(write("{\"num_train_timesteps\": 3, \"trained_betas\": [0.1, 0.2]}")));
    }

    @Test
    void missingFileIsAnIOExceptionNamingIt() {
        Path missing = dir.resolve("nope.json");
        IOException e = assertThrows(IOException.class, () -> SchedulerConfig.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void withersChangeOneKey() {
        SchedulerConfig v = SchedulerConfig.sd15().withPredictionType("v_prediction").withTimestepSpacing("trailing");
        assertEquals("v_prediction", v.predictionType());
        assertEquals("trailing", v.timestepSpacing());
        assertEquals(SchedulerConfig.sd15().betaEnd(), v.betaEnd());
        assertTrue(SchedulerConfig.sd15().withUseKarrasSigmas(true).useKarrasSigmas());
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.sd15().withPredictionType("flow"));
    }

    private Path write(String text) throws IOException {
        Path f = Files.createTempFile(dir, "scheduler_config", ".json");
        Files.writeString(f, text);
        return f;
    }
}
