package dev.emergence.engine.scheduler;

import dev.emergence.engine.random.NoiseGenerator;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulersTest {

    /** A generator for tests that only need finite noise: a fixed pattern, not random. */
    private static final NoiseGenerator PATTERN_NOISE = shape -> ReferenceData.pattern(7, shape);

    @Test
    void defaultKindFollowsTheClassName() throws IOException {
        assertEquals(SchedulerKind.PNDM, Schedulers.defaultKind(SchedulerConfig.sd15()));
        assertEquals(SchedulerKind.EULER_ANCESTRAL, kindOf("{\"_class_name\": \"EulerAncestralDiscreteScheduler\"}"));
        assertEquals(SchedulerKind.DPMPP_2M, kindOf("{\"_class_name\": \"DPMSolverMultistepScheduler\"}"));
        assertEquals(SchedulerKind.DPMPP_2M_KARRAS,
                kindOf("{\"_class_name\": \"DPMSolverMultistepScheduler\", \"use_karras_sigmas\": true}"));
        assertEquals(SchedulerKind.LCM, kindOf("{\"_class_name\": \"LCMScheduler\"}"));
        assertTrue(Schedulers.defaultChoice(SchedulerConfig.sd15()).fallbackReason().isEmpty());
    }

    @Test
    void unknownOrMissingClassFallsBackWithAReason() throws IOException {
        Schedulers.Choice unknown = Schedulers.defaultChoice(SchedulerConfig.parse("{\"_class_name\": \"UniPCMultistepScheduler\"}"));
        assertEquals(SchedulerKind.EULER, unknown.kind());
        assertTrue(unknown.fallbackReason().orElseThrow().contains("UniPCMultistepScheduler"));

        Schedulers.Choice missing = Schedulers.defaultChoice(SchedulerConfig.parse("{}"));
        assertEquals(SchedulerKind.PNDM, missing.kind());
        assertTrue(missing.fallbackReason().isPresent());

        Schedulers.Choice sde = Schedulers.defaultChoice(SchedulerConfig.parse(
                "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"algorithm_type\": \"sde-dpmsolver++\"}"));
        assertEquals(SchedulerKind.DPMPP_2M, sde.kind());
        assertTrue(sde.fallbackReason().orElseThrow().contains("sde-dpmsolver++"));
    }

    @ParameterizedTest
    @EnumSource(SchedulerKind.class)
    void rejectsFewerThanOneStep(SchedulerKind kind) {
        Scheduler s = Schedulers.create(kind, SchedulerConfig.sd15());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.setTimesteps(0));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.setTimesteps(-3));
        assertThrows(IllegalArgumentException.class, () -> s.setTimesteps(1001));
    }

    @ParameterizedTest
    @EnumSource(SchedulerKind.class)
    void needsTimestepsBeforeUse(SchedulerKind kind) {
        Scheduler s = Schedulers.create(kind, SchedulerConfig.sd15());
        assertThrows(IllegalStateException.class, s::timesteps);
        assertThrows(IllegalStateException.class, () -> s.sigmaAt(0));
    }

    /** One step must give finite latents (a linspace divided by steps − 1 would not). */
    @ParameterizedTest
    @EnumSource(SchedulerKind.class)
    void oneStepIsFinite(SchedulerKind kind) {
        for (String prediction : new String[] {"epsilon", "v_prediction"}) {
            Scheduler s = Schedulers.create(kind, SchedulerConfig.sd15().withPredictionType(prediction));
            s.setTimesteps(1);
            int[] shape = {1, 4, 8, 8};
            Tensor x = ReferenceData.pattern(0, shape).reshape(shape);
            x = TensorOps.scale(s.initNoiseSigma(), x);
            Tensor latents = x;
            for (int i = 0; i < s.timesteps().length; i++) {
                Tensor in = s.scaleModelInput(latents, i);
                assertFinite(in);
                StepResult r = s.step(ReferenceData.pattern(i + 1, shape), i, latents, PATTERN_NOISE);
                assertFinite(r.prevSample());
                assertFinite(r.predOriginalSample());
                latents = r.prevSample();
            }
            assertTrue(Double.isFinite(s.sigmaAt(0)) && s.sigmaAt(0) >= 0);
            assertFinite(s.addNoise(x, x, 0));
        }
    }

    @Test
    void stepIndexOutsideTheTimestepsIsRejected() {
        Scheduler s = Schedulers.create(SchedulerKind.EULER, SchedulerConfig.sd15());
        s.setTimesteps(5);
        Tensor x = Tensor.zeros(1, 4, 2, 2);
        assertThrows(IllegalArgumentException.class, () -> s.step(x, 5, x, null));
        assertThrows(IllegalArgumentException.class, () -> s.scaleModelInput(x, -1));
        assertThrows(IllegalArgumentException.class, () -> s.step(x, 0, Tensor.zeros(1, 4, 2, 3), null));
    }

    @Test
    void stochasticSchedulersNeedAGenerator() {
        Tensor x = Tensor.zeros(1, 4, 2, 2);
        Scheduler a = Schedulers.create(SchedulerKind.EULER_ANCESTRAL, SchedulerConfig.sd15());
        a.setTimesteps(4);
        assertThrows(IllegalArgumentException.class, () -> a.step(x, 0, x, null));
        Scheduler lcm = Schedulers.create(SchedulerKind.LCM, SchedulerConfig.sd15());
        lcm.setTimesteps(4);
        assertThrows(IllegalArgumentException.class, () -> lcm.step(x, 0, x, null));
    }

    @Test
    void lcmStepsAreBoundedByItsOriginalSchedule() {
        Scheduler lcm = Schedulers.create(SchedulerKind.LCM, SchedulerConfig.sd15());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lcm.setTimesteps(51));
        assertTrue(e.getMessage().contains("original_inference_steps"), e.getMessage());
    }

    @Test
    void unsupportedPredictionTypesAreRejectedUpFront() {
        SchedulerConfig sample = SchedulerConfig.sd15().withPredictionType("sample");
        assertThrows(IllegalArgumentException.class, () -> Schedulers.create(SchedulerKind.PNDM, sample));
        assertThrows(IllegalArgumentException.class, () -> Schedulers.create(SchedulerKind.EULER_ANCESTRAL, sample));
        Schedulers.create(SchedulerKind.DDIM, sample).setTimesteps(3);
    }

    /** timesteps() and sigmas() hand out copies: callers cannot corrupt the schedule. */
    @Test
    void schedulesAreCopies() {
        Scheduler s = Schedulers.create(SchedulerKind.EULER, SchedulerConfig.sd15());
        s.setTimesteps(4);
        double[] t = s.timesteps();
        Arrays.fill(t, -1);
        s.sigmas()[0] = -1;
        assertEquals(999.0, s.timesteps()[0]);
        assertTrue(s.sigmas()[0] > 14);
    }

    /**
     * diffusers' PRK warm-up needs four timesteps and fails below that; here PNDM then runs its
     * PLMS warm-up instead, with the same timesteps as with skip_prk_steps.
     */
    @Test
    void pndmWithPrkRunsBelowFourSteps() {
        SchedulerConfig prk = SchedulerConfig.sd15().toBuilder().skipPrkSteps(false).build();
        for (int n = 1; n <= 3; n++) {
            Scheduler s = Schedulers.create(SchedulerKind.PNDM, prk);
            s.setTimesteps(n);
            Scheduler plms = Schedulers.create(SchedulerKind.PNDM, SchedulerConfig.sd15());
            plms.setTimesteps(n);
            assertEquals(Arrays.toString(plms.timesteps()), Arrays.toString(s.timesteps()));
            Tensor x = ReferenceData.pattern(0, new int[] {1, 4, 2, 2});
            for (int i = 0; i < s.timesteps().length; i++) {
                x = s.step(ReferenceData.pattern(i + 1, x.shape()), i, x, null).prevSample();
                assertFinite(x);
            }
        }
    }

    /**
     * numpy's arange gives 62 values for "trailing" with 61 steps (the last a hair above 0, which
     * diffusers turns into timestep −1); the engine keeps the 61 real ones.
     */
    @Test
    void trailingSpacingNeverYieldsNegativeTimesteps() {
        for (SchedulerKind kind : new SchedulerKind[] {SchedulerKind.DDIM, SchedulerKind.EULER, SchedulerKind.DPMPP_2M}) {
            Scheduler s = Schedulers.create(kind, SchedulerConfig.sd15().withTimestepSpacing("trailing"));
            s.setTimesteps(61);
            double[] t = s.timesteps();
            assertEquals(61, t.length, kind.toString());
            assertEquals(999.0, t[0]);
            assertTrue(Arrays.stream(t).allMatch(v -> v >= 0), Arrays.toString(t));
        }
    }

    private static SchedulerKind kindOf(String json) throws IOException {
        return Schedulers.defaultKind(SchedulerConfig.parse(json));
    }

    private static void assertFinite(Tensor t) {
        for (float v : t.data()) assertTrue(Float.isFinite(v), "non-finite value in " + t);
    }

    /**
     * diffusers' DDIM and PNDM put "leading" timesteps at i·(T // n) + steps_offset and index
     * alphas_cumprod with them: with SD 1.5's steps_offset 1, 1000 steps reach index 1000 and
     * diffusers raises IndexError. The engine refuses the step count, saying how many fit.
     */
    @Test
    void leadingTimestepsPastTheScheduleAreTheRequestsFault() throws Exception {
        for (SchedulerKind kind : new SchedulerKind[] {SchedulerKind.DDIM, SchedulerKind.PNDM}) {
            var e = assertThrows(dev.emergence.engine.InvalidRequestException.class,
                    () -> Schedulers.prepare(kind, SchedulerConfig.sd15(), "m/scheduler/scheduler_config.json", 1000));
            assertEquals("steps: 1000 steps with \"leading\" timestep spacing and steps_offset 1 reach timestep 1000, "
                    + "past the model's last training timestep 999; expected at most 999 steps", e.getMessage());
            double[] t = Schedulers.prepare(kind, SchedulerConfig.sd15(), "m/scheduler/scheduler_config.json", 999).timesteps();
            assertEquals(999.0, Arrays.stream(t).max().orElseThrow());
        }
        // More steps than training timesteps, whatever the spacing.
        var more = assertThrows(dev.emergence.engine.InvalidRequestException.class, () -> Schedulers.prepare(SchedulerKind.EULER,
                SchedulerConfig.sd15().toBuilder().numTrainTimesteps(100).build(), "m/scheduler/scheduler_config.json", 101));
        assertEquals("steps: the number of inference steps (101) cannot exceed the model's 100 training timesteps", more.getMessage());
        // The sigma schedulers interpolate sigma at a timestep, which clamps as numpy's interp does in diffusers.
        Scheduler euler = Schedulers.prepare(SchedulerKind.EULER, SchedulerConfig.sd15().withTimestepSpacing("leading"), "m", 1000);
        assertEquals(1000.0, euler.timesteps()[0]);
        assertEquals(euler.sigmas()[1], Schedulers.prepare(SchedulerKind.EULER, SchedulerConfig.sd15(), "m", 1000).sigmas()[0], 1e-9,
                "sigma at timestep 1000 clamps to the last training sigma");
    }

    /** What a config asks that one scheduler cannot do is the model's fault (exit 3), named by file. */
    @Test
    void aConfigOneSchedulerCannotUseIsAModelFault() {
        SchedulerConfig c = SchedulerConfig.sd15().toBuilder().originalInferenceSteps(5000).build();
        var e = assertThrows(dev.emergence.engine.model.ModelException.class,
                () -> Schedulers.prepare(SchedulerKind.LCM, c, "m/scheduler/scheduler_config.json", 4));
        assertEquals("m/scheduler/scheduler_config.json: original_inference_steps (5000) cannot exceed num_train_timesteps (1000) "
                + "(for the LCM scheduler)", e.getMessage());
    }

    /**
     * DPM++ 2M at 1000 of 1000 training steps: diffusers' rounded linspace timesteps repeat, the step
     * ratio h divides by zero and the picture is NaN. Refused up front, with the most steps that work.
     */
    @Test
    void multistepSchedulersRefuseRepeatedNoiseLevels() throws Exception {
        var e = assertThrows(dev.emergence.engine.InvalidRequestException.class,
                () -> Schedulers.prepare(SchedulerKind.DPMPP_2M, SchedulerConfig.sd15(), "m", 1000));
        assertTrue(e.getMessage().startsWith("steps: 1000 steps of the DPM++ 2M scheduler give the noise level "), e.getMessage());
        int most = Integer.parseInt(e.getMessage().replaceAll(".*expected at most (\\d+) steps$", "$1"));
        assertTrue(most > 1 && most < 1000, e.getMessage());
        Schedulers.prepare(SchedulerKind.DPMPP_2M, SchedulerConfig.sd15(), "m", most);
        // LMS with "leading" timesteps past the last training one: both clamp to the last sigma.
        var lms = assertThrows(dev.emergence.engine.InvalidRequestException.class, () -> Schedulers.prepare(SchedulerKind.LMS,
                SchedulerConfig.sd15().toBuilder().timestepSpacing("leading").stepsOffset(999).build(), "m", 2));
        assertTrue(lms.getMessage().endsWith("where its update divides by zero; expected at most 1 step"), lms.getMessage());
    }

    /** Zero terminal SNR (Lin et al. 2023) is for v-prediction: with epsilon, DDIM's x0 at ᾱ = 0 is infinite. */
    @Test
    void zeroTerminalSnrWithEpsilonIsAModelFaultWhereItIsVisited() throws Exception {
        SchedulerConfig zeroSnr = SchedulerConfig.sd15().toBuilder().rescaleBetasZeroSnr(true).timestepSpacing("trailing").build();
        var e = assertThrows(dev.emergence.engine.model.ModelException.class,
                () -> Schedulers.prepare(SchedulerKind.DDIM, zeroSnr, "m/scheduler/scheduler_config.json", 20));
        assertEquals("m/scheduler/scheduler_config.json: rescale_betas_zero_snr makes alphas_cumprod 0 at timestep 999, which the DDIM "
                + "scheduler visits; an epsilon model's step divides by it there; expected prediction_type v_prediction with rescale_betas_zero_snr",
                e.getMessage());
        Schedulers.prepare(SchedulerKind.DDIM, zeroSnr.withPredictionType("v_prediction"), "m", 20);
        Schedulers.prepare(SchedulerKind.EULER, zeroSnr, "m", 20); // Euler clamps ᾱ_T to 2^-24, as diffusers does
    }
}
