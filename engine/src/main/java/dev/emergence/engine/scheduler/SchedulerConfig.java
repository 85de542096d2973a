package dev.emergence.engine.scheduler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.emergence.engine.model.JsonFiles;
import dev.emergence.engine.model.ModelException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The contents of a diffusers {@code scheduler_config.json}: the keys the engine's schedulers read,
 * with unknown keys ignored. As with diffusers' {@code from_config}, a config written for one
 * scheduler class configures any other.
 *
 * <p>Keys whose default differs between diffusers' scheduler classes stay {@code null} when the file
 * leaves them out, so each scheduler applies its own class's default (SD 1.5's file has no
 * {@code timestep_spacing}: PNDM and DDIM then use "leading", Euler and DPM-Solver "linspace").
 * Keys with one default across all classes are filled in here.
 *
 * @param className              {@code _class_name}, e.g. "PNDMScheduler"; null when absent
 * @param numTrainTimesteps      {@code num_train_timesteps} (1000)
 * @param betaStart              {@code beta_start}; null = class default (0.0001, LCM 0.00085)
 * @param betaEnd                {@code beta_end}; null = class default (0.02, LCM 0.012)
 * @param betaSchedule           {@code beta_schedule}: linear, scaled_linear, squaredcos_cap_v2; null = class default
 * @param trainedBetas           {@code trained_betas}, overriding the beta schedule; null when absent
 * @param predictionType         {@code prediction_type}: epsilon, v_prediction or sample ("epsilon")
 * @param timestepSpacing        {@code timestep_spacing}: leading, linspace, trailing; null = class default
 * @param stepsOffset            {@code steps_offset} (0), added to "leading" timesteps
 * @param setAlphaToOne          {@code set_alpha_to_one}; null = class default (DDIM, LCM true; PNDM false)
 * @param clipSample             {@code clip_sample}; null = class default (DDIM true, LCM false)
 * @param clipSampleRange        {@code clip_sample_range} (1.0)
 * @param skipPrkSteps           {@code skip_prk_steps} (false): PNDM without its Runge-Kutta warm-up
 * @param useKarrasSigmas        {@code use_karras_sigmas} (false)
 * @param useExponentialSigmas   {@code use_exponential_sigmas} (false)
 * @param useBetaSigmas          {@code use_beta_sigmas} (false; not supported, rejected when set)
 * @param interpolationType      {@code interpolation_type} of Euler: linear or log_linear ("linear")
 * @param rescaleBetasZeroSnr    {@code rescale_betas_zero_snr} (false)
 * @param originalInferenceSteps {@code original_inference_steps} of LCM (50)
 * @param timestepScaling        {@code timestep_scaling} of LCM (10.0)
 * @param finalSigmasType        {@code final_sigmas_type}: zero or sigma_min ("zero")
 * @param lowerOrderFinal        {@code lower_order_final} of DPM-Solver (true)
 * @param eulerAtFinal           {@code euler_at_final} of DPM-Solver (false)
 * @param timestepType           {@code timestep_type} of Euler: discrete or continuous ("discrete")
 * @param solverOrder            {@code solver_order} of DPM-Solver (2)
 * @param algorithmType          {@code algorithm_type} of DPM-Solver ("dpmsolver++")
 * @param solverType             {@code solver_type} of DPM-Solver: midpoint or heun ("midpoint")
 * @param lambdaMinClipped       {@code lambda_min_clipped} of DPM-Solver (−∞)
 * @param sigmaMin               {@code sigma_min} of Euler's Karras/exponential sigmas; null = from the schedule
 * @param sigmaMax               {@code sigma_max} of Euler's Karras/exponential sigmas; null = from the schedule
 */
public record SchedulerConfig(
        String className,
        int numTrainTimesteps,
        Double betaStart,
        Double betaEnd,
        String betaSchedule,
        List<Double> trainedBetas,
        String predictionType,
        String timestepSpacing,
        int stepsOffset,
        Boolean setAlphaToOne,
        Boolean clipSample,
        double clipSampleRange,
        boolean skipPrkSteps,
        boolean useKarrasSigmas,
        boolean useExponentialSigmas,
        boolean useBetaSigmas,
        String interpolationType,
        boolean rescaleBetasZeroSnr,
        int originalInferenceSteps,
        double timestepScaling,
        String finalSigmasType,
        boolean lowerOrderFinal,
        boolean eulerAtFinal,
        String timestepType,
        int solverOrder,
        String algorithmType,
        String solverType,
        double lambdaMinClipped,
        Double sigmaMin,
        Double sigmaMax) {

    /**
     * The most training timesteps a config may declare: real models have 1000; the schedulers
     * allocate arrays of this length, so 1.5e9 must be refused before they do.
     */
    public static final int MAX_TRAIN_TIMESTEPS = 100_000;

    /**
     * Validates as diffusers' scheduler classes need their config: every number finite and in range,
     * every name one they know, and a noise schedule whose ᾱ stays above 0.
     *
     * @throws IllegalArgumentException naming the key and what was expected
     */
    public SchedulerConfig {
        if (numTrainTimesteps < 1 || numTrainTimesteps > MAX_TRAIN_TIMESTEPS) {
            throw new IllegalArgumentException("num_train_timesteps must be from 1 to " + MAX_TRAIN_TIMESTEPS + ", got " + numTrainTimesteps);
        }
        if (betaStart != null) openUnit("beta_start", betaStart);
        if (betaEnd != null) openUnit("beta_end", betaEnd);
        if (predictionType == null) predictionType = "epsilon";
        oneOf("prediction_type", predictionType, "epsilon", "v_prediction", "sample");
        if (betaSchedule != null) oneOf("beta_schedule", betaSchedule, "linear", "scaled_linear", "squaredcos_cap_v2");
        if (timestepSpacing != null) oneOf("timestep_spacing", timestepSpacing, "leading", "linspace", "trailing");
        if (interpolationType == null) interpolationType = "linear";
        oneOf("interpolation_type", interpolationType, "linear", "log_linear");
        if (finalSigmasType == null) finalSigmasType = "zero";
        oneOf("final_sigmas_type", finalSigmasType, "zero", "sigma_min");
        if (timestepType == null) timestepType = "discrete";
        oneOf("timestep_type", timestepType, "discrete", "continuous");
        if (algorithmType == null) algorithmType = "dpmsolver++";
        if (solverType == null) solverType = "midpoint";
        oneOf("solver_type", solverType, "midpoint", "heun");
        if (trainedBetas != null) {
            trainedBetas = List.copyOf(trainedBetas);
            if (trainedBetas.size() != numTrainTimesteps) {
                throw new IllegalArgumentException("trained_betas has " + trainedBetas.size()
                        + " values but num_train_timesteps is " + numTrainTimesteps);
            }
            for (int i = 0; i < trainedBetas.size(); i++) openUnit("trained_betas[" + i + "]", trainedBetas.get(i));
        }
        if (originalInferenceSteps < 1) throw new IllegalArgumentException("original_inference_steps must be at least 1, got " + originalInferenceSteps);
        if (stepsOffset < 0 || stepsOffset >= numTrainTimesteps) {
            throw new IllegalArgumentException("steps_offset must be from 0 to num_train_timesteps - 1 (" + (numTrainTimesteps - 1)
                    + "), got " + stepsOffset);
        }
        if (!(clipSampleRange > 0) || Double.isInfinite(clipSampleRange)) {
            throw new IllegalArgumentException("clip_sample_range must be a finite number above 0, got " + clipSampleRange);
        }
        if (!(timestepScaling > 0) || Double.isInfinite(timestepScaling)) {
            throw new IllegalArgumentException("timestep_scaling must be a finite number above 0, got " + timestepScaling);
        }
        // -Infinity (the default) turns the clipping off; NaN would turn every comparison false.
        if (Double.isNaN(lambdaMinClipped)) throw new IllegalArgumentException("lambda_min_clipped must be a number or -Infinity, got NaN");
        if (sigmaMin != null && (!(sigmaMin > 0) || Double.isInfinite(sigmaMin))) {
            throw new IllegalArgumentException("sigma_min must be a finite number above 0, got " + sigmaMin);
        }
        if (sigmaMax != null && (!(sigmaMax > 0) || Double.isInfinite(sigmaMax))) {
            throw new IllegalArgumentException("sigma_max must be a finite number above 0, got " + sigmaMax);
        }
        NoiseSchedule.checkUsable(numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas);
    }

    /** A beta: a probability of noise strictly between 0 and 1. */
    private static void openUnit(String key, double v) {
        if (!(v > 0 && v < 1)) throw new IllegalArgumentException(key + " must be a number above 0 and below 1, got " + v);
    }

    /** The {@code scheduler_config.json} of Stable Diffusion 1.5 (runwayml/stable-diffusion-v1-5, as published). */
    public static SchedulerConfig sd15() {
        try {
            return parse("""
                    {
                      "_class_name": "PNDMScheduler",
                      "_diffusers_version": "0.6.0",
                      "beta_end": 0.012,
                      "beta_schedule": "scaled_linear",
                      "beta_start": 0.00085,
                      "num_train_timesteps": 1000,
                      "set_alpha_to_one": false,
                      "skip_prk_steps": true,
                      "steps_offset": 1,
                      "trained_betas": null,
                      "clip_sample": false
                    }""");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a {@code scheduler_config.json}; the message of a failure names the file and the problem in one line. */
    public static SchedulerConfig load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("cannot read scheduler config " + file + ": not found");
        try {
            return read(file, "bad scheduler config " + file);
        } catch (ModelException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Reads and validates the {@code scheduler_config.json} of a model folder, at most
     * {@link dev.emergence.engine.model.ModelLimits#CONFIG_MAX_BYTES} long.
     *
     * @param label names the file in errors, e.g. "tiny-sd/scheduler/scheduler_config.json"
     * @throws ModelException one line: the label, the key and what was expected
     */
    public static SchedulerConfig read(Path file, String label) throws ModelException {
        JsonNode root = JsonFiles.read(file, label);
        try {
            return of(root);
        } catch (IllegalArgumentException e) {
            throw new ModelException(label + ": " + e.getMessage(), e);
        }
    }

    /** Parses the text of a {@code scheduler_config.json}. */
    public static SchedulerConfig parse(String json) throws IOException {
        JsonNode root;
        try {
            root = JsonFiles.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IOException("not valid JSON (" + JsonFiles.oneLine(e) + ")", e);
        }
        if (root == null || !root.isObject()) throw new IOException("expected a JSON object");
        try {
            return of(root);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static SchedulerConfig of(JsonNode root) {
        Reader r = new Reader(root);
        return new SchedulerConfig(
                r.string("_class_name"),
                r.integer("num_train_timesteps", 1000),
                r.number("beta_start"),
                r.number("beta_end"),
                r.string("beta_schedule"),
                r.numbers("trained_betas"),
                r.string("prediction_type"),
                r.string("timestep_spacing"),
                r.integer("steps_offset", 0),
                r.bool("set_alpha_to_one"),
                r.bool("clip_sample"),
                r.number("clip_sample_range", 1.0),
                r.bool("skip_prk_steps", false),
                r.bool("use_karras_sigmas", false),
                r.bool("use_exponential_sigmas", false),
                r.bool("use_beta_sigmas", false),
                r.string("interpolation_type"),
                r.bool("rescale_betas_zero_snr", false),
                r.integer("original_inference_steps", 50),
                r.number("timestep_scaling", 10.0),
                r.string("final_sigmas_type"),
                r.bool("lower_order_final", true),
                r.bool("euler_at_final", false),
                r.string("timestep_type"),
                r.integer("solver_order", 2),
                r.string("algorithm_type"),
                r.string("solver_type"),
                r.number("lambda_min_clipped", Double.NEGATIVE_INFINITY),
                r.number("sigma_min"),
                r.number("sigma_max"));
    }

    public SchedulerConfig withPredictionType(String type) {
        return toBuilder().predictionType(type).build();
    }

    public SchedulerConfig withTimestepSpacing(String spacing) {
        return toBuilder().timestepSpacing(spacing).build();
    }

    public SchedulerConfig withUseKarrasSigmas(boolean karras) {
        return toBuilder().useKarrasSigmas(karras).build();
    }

    public SchedulerConfig withClassName(String name) {
        return toBuilder().className(name).build();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    private static void oneOf(String key, String value, String... allowed) {
        for (String a : allowed) if (a.equals(value)) return;
        throw new IllegalArgumentException(key + " \"" + value + "\" is not supported (expected one of "
                + String.join(", ", allowed) + ")");
    }

    /** Typed, null-tolerant access to the keys of the JSON object; a JSON null counts as absent. */
    private record Reader(JsonNode root) {
        private JsonNode get(String key) {
            JsonNode n = root.get(key);
            return n == null || n.isNull() ? null : n;
        }

        String string(String key) {
            JsonNode n = get(key);
            if (n == null) return null;
            if (!n.isTextual()) throw wrongType(key, "a string", n);
            return n.asText();
        }

        Double number(String key) {
            JsonNode n = get(key);
            if (n == null) return null;
            if (!n.isNumber()) throw wrongType(key, "a number", n);
            return n.asDouble();
        }

        double number(String key, double dflt) {
            Double v = number(key);
            return v == null ? dflt : v;
        }

        int integer(String key, int dflt) {
            JsonNode n = get(key);
            if (n == null) return dflt;
            if (!n.isNumber() || n.asDouble() != Math.rint(n.asDouble()) || Math.abs(n.asDouble()) > Integer.MAX_VALUE) {
                throw wrongType(key, "an integer", n);
            }
            return (int) n.asDouble();
        }

        Boolean bool(String key) {
            JsonNode n = get(key);
            if (n == null) return null;
            if (!n.isBoolean()) throw wrongType(key, "true or false", n);
            return n.asBoolean();
        }

        boolean bool(String key, boolean dflt) {
            Boolean v = bool(key);
            return v == null ? dflt : v;
        }

        List<Double> numbers(String key) {
            JsonNode n = get(key);
            if (n == null) return null;
            if (!n.isArray()) throw wrongType(key, "a list of numbers", n);
            List<Double> out = new ArrayList<>(n.size());
            for (JsonNode e : n) {
                if (!e.isNumber()) throw wrongType(key, "a list of numbers", n);
                out.add(e.asDouble());
            }
            return out;
        }

        private static IllegalArgumentException wrongType(String key, String expected, JsonNode got) {
            String shown = got.toString();
            if (shown.length() > 40) shown = shown.substring(0, 37) + "...";
            return new IllegalArgumentException(key + " must be " + expected + ", got " + shown);
        }
    }

    /** Builds a modified copy; {@link #build()} validates like the canonical constructor. */
    public static final class Builder {
        private String className;
        private int numTrainTimesteps;
        private Double betaStart;
        private Double betaEnd;
        private String betaSchedule;
        private List<Double> trainedBetas;
        private String predictionType;
        private String timestepSpacing;
        private int stepsOffset;
        private Boolean setAlphaToOne;
        private Boolean clipSample;
        private double clipSampleRange;
        private boolean skipPrkSteps;
        private boolean useKarrasSigmas;
        private boolean useExponentialSigmas;
        private boolean useBetaSigmas;
        private String interpolationType;
        private boolean rescaleBetasZeroSnr;
        private int originalInferenceSteps;
        private double timestepScaling;
        private String finalSigmasType;
        private boolean lowerOrderFinal;
        private boolean eulerAtFinal;
        private String timestepType;
        private int solverOrder;
        private String algorithmType;
        private String solverType;
        private double lambdaMinClipped;
        private Double sigmaMin;
        private Double sigmaMax;

        private Builder(SchedulerConfig c) {
            className = c.className;
            numTrainTimesteps = c.numTrainTimesteps;
            betaStart = c.betaStart;
            betaEnd = c.betaEnd;
            betaSchedule = c.betaSchedule;
            trainedBetas = c.trainedBetas;
            predictionType = c.predictionType;
            timestepSpacing = c.timestepSpacing;
            stepsOffset = c.stepsOffset;
            setAlphaToOne = c.setAlphaToOne;
            clipSample = c.clipSample;
            clipSampleRange = c.clipSampleRange;
            skipPrkSteps = c.skipPrkSteps;
            useKarrasSigmas = c.useKarrasSigmas;
            useExponentialSigmas = c.useExponentialSigmas;
            useBetaSigmas = c.useBetaSigmas;
            interpolationType = c.interpolationType;
            rescaleBetasZeroSnr = c.rescaleBetasZeroSnr;
            originalInferenceSteps = c.originalInferenceSteps;
            timestepScaling = c.timestepScaling;
            finalSigmasType = c.finalSigmasType;
            lowerOrderFinal = c.lowerOrderFinal;
            eulerAtFinal = c.eulerAtFinal;
            timestepType = c.timestepType;
            solverOrder = c.solverOrder;
            algorithmType = c.algorithmType;
            solverType = c.solverType;
            lambdaMinClipped = c.lambdaMinClipped;
            sigmaMin = c.sigmaMin;
            sigmaMax = c.sigmaMax;
        }

        public Builder className(String v) { className = v; return this; }
        public Builder numTrainTimesteps(int v) { numTrainTimesteps = v; return this; }
        public Builder betaStart(Double v) { betaStart = v; return this; }
        public Builder betaEnd(Double v) { betaEnd = v; return this; }
        public Builder betaSchedule(String v) { betaSchedule = v; return this; }
        public Builder trainedBetas(List<Double> v) { trainedBetas = v; return this; }
        public Builder predictionType(String v) { predictionType = v; return this; }
        public Builder timestepSpacing(String v) { timestepSpacing = v; return this; }
        public Builder stepsOffset(int v) { stepsOffset = v; return this; }
        public Builder setAlphaToOne(Boolean v) { setAlphaToOne = v; return this; }
        public Builder clipSample(Boolean v) { clipSample = v; return this; }
        public Builder clipSampleRange(double v) { clipSampleRange = v; return this; }
        public Builder skipPrkSteps(boolean v) { skipPrkSteps = v; return this; }
        public Builder useKarrasSigmas(boolean v) { useKarrasSigmas = v; return this; }
        public Builder useExponentialSigmas(boolean v) { useExponentialSigmas = v; return this; }
        public Builder useBetaSigmas(boolean v) { useBetaSigmas = v; return this; }
        public Builder interpolationType(String v) { interpolationType = v; return this; }
        public Builder rescaleBetasZeroSnr(boolean v) { rescaleBetasZeroSnr = v; return this; }
        public Builder originalInferenceSteps(int v) { originalInferenceSteps = v; return this; }
        public Builder timestepScaling(double v) { timestepScaling = v; return this; }
        public Builder finalSigmasType(String v) { finalSigmasType = v; return this; }
        public Builder lowerOrderFinal(boolean v) { lowerOrderFinal = v; return this; }
        public Builder eulerAtFinal(boolean v) { eulerAtFinal = v; return this; }
        public Builder timestepType(String v) { timestepType = v; return this; }
        public Builder solverOrder(int v) { solverOrder = v; return this; }
        public Builder algorithmType(String v) { algorithmType = v; return this; }
        public Builder solverType(String v) { solverType = v; return this; }
        public Builder lambdaMinClipped(double v) { lambdaMinClipped = v; return this; }
        public Builder sigmaMin(Double v) { sigmaMin = v; return this; }
        public Builder sigmaMax(Double v) { sigmaMax = v; return this; }

        public SchedulerConfig build() {
            return new SchedulerConfig(className, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas,
                    predictionType, timestepSpacing, stepsOffset, setAlphaToOne, clipSample, clipSampleRange,
                    skipPrkSteps, useKarrasSigmas, useExponentialSigmas, useBetaSigmas, interpolationType,
                    rescaleBetasZeroSnr, originalInferenceSteps, timestepScaling, finalSigmasType, lowerOrderFinal,
                    eulerAtFinal, timestepType, solverOrder, algorithmType, solverType, lambdaMinClipped,
                    sigmaMin, sigmaMax);
        }
    }
}
