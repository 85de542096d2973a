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

    private String refused(String json) {
        IOException e = assertThrows(IOException.class, () -> SchedulerConfig.load(write(json)));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "'" + message + "' should mention " + p);
    }

    /** 1.5e9 training timesteps would allocate gigabytes of betas before anything else failed. */
    @Test
    void hugeNumTrainTimestepsIsRefusedBeforeAnyArrayIsMade() {
        assertMentions(refused("{\"num_train_timesteps\": 1.5e9}"), "num_train_timesteps must be from 1 to 100000, got 1500000000");
        assertMentions(refused("{\"num_train_timesteps\": 0}"), "num_train_timesteps must be from 1 to 100000, got 0");
        assertMentions(refused("{\"num_train_timesteps\": 1e30}"), "num_train_timesteps must be an integer");
    }

    /** Betas are noise variances per step: diffusers' schedules need each strictly between 0 and 1. */
    @Test
    void betasOutsideTheOpenUnitIntervalAreRefused() {
        assertMentions(refused("{\"beta_end\": 1.5}"), "beta_end must be a number above 0 and below 1, got 1.5");
        assertMentions(refused("{\"beta_start\": -0.001}"), "beta_start must be a number above 0 and below 1, got -0.001");
        assertMentions(refused("{\"beta_start\": 0}"), "beta_start must be a number above 0 and below 1");
        assertMentions(refused("{\"beta_end\": NaN}"), "beta_end must be a number above 0 and below 1, got NaN");
        assertMentions(refused("{\"beta_end\": Infinity}"), "beta_end must be a number above 0 and below 1, got Infinity");
        assertMentions(refused("{\"num_train_timesteps\": 3, \"trained_betas\": [0.1, 1.0, 0.2]}"),
                "trained_betas[1] must be a number above 0 and below 1, got 1.0");
        assertMentions(refused("{\"num_train_timesteps\": 2, \"trained_betas\": [0.1, NaN]}"), "trained_betas[1]", "got NaN");
    }

    /** Many large betas: the product of (1 − beta) underflows to 0 and sigma becomes infinite. */
    @Test
    void aScheduleWhoseAlphasCumprodReachesZeroIsRefused() {
        String message = refused("{\"num_train_timesteps\": 100000, \"beta_start\": 0.5, \"beta_end\": 0.9, \"beta_schedule\": \"linear\"}");
        assertMentions(message, "alphas_cumprod 0.0 at timestep", "expected every cumulative product of (1 - beta) above 0");
    }

    @Test
    void stepsOffsetMustLieInsideTheSchedule() {
        assertMentions(refused("{\"num_train_timesteps\": 1000, \"steps_offset\": 1000}"),
                "steps_offset must be from 0 to num_train_timesteps - 1 (999), got 1000");
        assertMentions(refused("{\"steps_offset\": -1}"), "steps_offset must be from 0");
    }

    @Test
    void otherNumbersMustBeFinite() {
        assertMentions(refused("{\"clip_sample_range\": NaN}"), "clip_sample_range must be a finite number above 0");
        assertMentions(refused("{\"timestep_scaling\": -Infinity}"), "timestep_scaling must be a finite number above 0");
        assertMentions(refused("{\"lambda_min_clipped\": NaN}"), "lambda_min_clipped must be a number or -Infinity");
        assertMentions(refused("{\"sigma_max\": 0}"), "sigma_max must be a finite number above 0");
        assertMentions(refused("{\"prediction_type\": \"flow\"}"), "prediction_type \"flow\" is not supported");
        assertMentions(refused("{\"timestep_spacing\": \"random\"}"), "timestep_spacing \"random\" is not supported");
    }

    /** What Python's json.dumps writes for diffusers' DPMSolverMultistepScheduler: -Infinity, and NaN elsewhere. */
    @Test
    void readsWhatPythonsJsonWrites() throws Exception {
        SchedulerConfig c = SchedulerConfig.read(write("{\"_class_name\": \"DPMSolverMultistepScheduler\", \"lambda_min_clipped\": -Infinity, "
                + "\"sigma_min\": null, \"some_future_key\": NaN}"), "m/scheduler/scheduler_config.json");
        assertEquals(Double.NEGATIVE_INFINITY, c.lambdaMinClipped());
    }

    /** Checked with Files.size before reading: a sparse file stands in for a huge one. */
    @Test
    void aConfigOverOneMebibyteIsRefusedUnread() throws Exception {
        Path f = dir.resolve("scheduler_config.json");
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(2_500_000_000L);
        }
        var e = assertThrows(dev.emergence.engine.model.ModelException.class,
                () -> SchedulerConfig.read(f, "m/scheduler/scheduler_config.json"));
        assertEquals("m/scheduler/scheduler_config.json: 2500000000 bytes is too large; expected at most 1048576 bytes (1 MiB)", e.getMessage());
    }
}
