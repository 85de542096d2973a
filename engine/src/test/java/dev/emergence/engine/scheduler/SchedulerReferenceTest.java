package dev.emergence.engine.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.emergence.engine.scheduler.ReferenceData.assertClose;
import static dev.emergence.engine.scheduler.ReferenceData.doubles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Every scheduler against diffusers. The expected values in {@code reference/schedulers/*.json}
 * came from running diffusers' scheduler classes (0.40.0.dev0, commit 58eb52c0) through
 * {@code engine/tools/reference/make_scheduler_refs.py}: for each run the timesteps, sigmas,
 * init_noise_sigma, the model-input scale and noise level of every step, and prev_sample and the
 * x0 estimate at checkpoint steps of a trajectory driven by the script's fixed model outputs.
 * Runs cover the SD 1.5 config at 1, 4, 15, 20 and 50 steps, img2img starts, v-prediction, the
 * three timestep spacings and per-scheduler options.
 *
 * <p>{@code schedule_types.json} holds runs of AUTOMATIC1111's schedule types made with the
 * options diffusers maps them to (its scheduler overview's "Noise schedules and schedule types":
 * Karras = use_karras_sigmas, SGM Uniform = timestep_spacing "trailing", Exponential = "linspace"
 * with use_exponential_sigmas; Uniform = neither sigma option), on SD 1.5's and SDXL's configs:
 * the engine's scheduler made from {@link ScheduleType#configure} must step as diffusers' does.
 */
class SchedulerReferenceTest {

    private static final String[] KINDS = {"ddim", "pndm", "lms", "euler", "euler_a", "dpmpp_2m", "dpmpp_2m_karras", "lcm"};

    @TestFactory
    Stream<DynamicNode> matchesDiffusers() {
        return Stream.of(KINDS).map(name -> {
            JsonNode file = ReferenceData.load(name);
            SchedulerKind kind = SchedulerKind.parse(file.get("kind").asText()).orElseThrow();
            List<DynamicNode> runs = new ArrayList<>();
            for (JsonNode run : file.get("runs")) {
                runs.add(DynamicTest.dynamicTest(run.get("name").asText(), () -> replay(kind, file, run)));
            }
            return DynamicContainer.dynamicContainer(name, runs);
        });
    }

    /**
     * The relative tolerance of a run. diffusers forms 1 − β in float32; with the cosine schedule
     * β_0 ≈ 4e-5, so its σ near t = 0 (and the Karras range built on it) carries up to ~1e-3
     * relative rounding, where the double-precision schedule here does not.
     */
    @TestFactory
    Stream<DynamicNode> scheduleTypesMatchDiffusers() {
        JsonNode file = ReferenceData.load("schedule_types");
        List<DynamicNode> runs = new ArrayList<>();
        for (JsonNode run : file.get("runs")) {
            SchedulerKind kind = SchedulerKind.parse(run.get("kind").asText()).orElseThrow();
            ScheduleType type = ScheduleType.parse(run.get("schedule").asText()).orElseThrow();
            runs.add(DynamicTest.dynamicTest(run.get("name").asText(),
                    () -> replay(Schedulers.create(kind, type.configure(kind, ReferenceData.config(run))), file, run)));
        }
        assertFalse(runs.isEmpty(), "schedule_types.json has no runs");
        return runs.stream();
    }

    private static double rtol(JsonNode run) {
        return run.get("name").asText().contains("cosine") ? 1e-3 : ReferenceData.RTOL;
    }

    private static void replay(SchedulerKind kind, JsonNode file, JsonNode run) {
        replay(Schedulers.create(kind, ReferenceData.config(run)), file, run);
    }

    private static void replay(Scheduler s, JsonNode file, JsonNode run) {
        int[] shape = ReferenceData.shape(file);
        double rtol = rtol(run);
        s.setTimesteps(run.get("steps").asInt());

        double[] ts = s.timesteps();
        assertClose(doubles(run.get("timesteps")), ts, rtol, 1e-6, "timesteps");
        assertClose(doubles(run.get("sigmas")), s.sigmas(), rtol, 1e-7, "sigmas");
        assertClose(new double[] {run.get("init_noise_sigma").asDouble()}, new double[] {s.initNoiseSigma()}, 0, "init_noise_sigma");
        assertEquals(run.get("order").asInt(), s.order(), "order");
        double[] sigmaAt = new double[ts.length];
        for (int i = 0; i < ts.length; i++) sigmaAt[i] = s.sigmaAt(i);
        assertClose(doubles(run.get("sigma_at")), sigmaAt, rtol, 1e-7, "sigmaAt");

        int start = run.get("start_index").asInt();
        Tensor x;
        if (run.has("add_noise")) {
            x = s.addNoise(ReferenceData.pattern(500, shape), ReferenceData.pattern(501, shape), start);
            assertClose(run.get("add_noise"), x, rtol, "addNoise at index " + start);
        } else {
            x = ReferenceData.tensor(run.get("sample0"), shape);
        }

        Map<Integer, JsonNode> checkpoints = new HashMap<>();
        for (JsonNode c : run.get("checkpoints")) checkpoints.put(c.get("index").asInt(), c);
        ReferenceData.RecordedNoise noise = new ReferenceData.RecordedNoise(run.get("noise"), shape);
        double[] expectedScales = doubles(run.get("input_scale"));
        double[] scales = new double[ts.length - start];
        Tensor ones = new Tensor(new float[] {1f}, 1);

        for (int i = start; i < ts.length; i++) {
            scales[i - start] = s.scaleModelInput(ones, i).data()[0];
            StepResult r = s.step(ReferenceData.pattern(i + 1, shape), i, x, noise);
            JsonNode c = checkpoints.remove(i);
            if (c != null) {
                assertClose(c.get("prev_sample"), r.prevSample(), rtol, "prev_sample at index " + i);
                assertClose(c.get("pred_original_sample"), r.predOriginalSample(), rtol, "x0 at index " + i);
            }
            x = r.prevSample();
        }
        assertFalse(checkpoints.size() > 0, "checkpoints not reached: " + checkpoints.keySet());
        assertEquals(noise.recorded(), noise.used(), "noise draws");
        assertClose(expectedScales, scales, rtol, 1e-7, "model input scale");
    }
}
