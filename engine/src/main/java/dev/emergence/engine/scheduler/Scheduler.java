package dev.emergence.engine.scheduler;

import dev.emergence.engine.random.NoiseGenerator;
import dev.emergence.engine.tensor.Tensor;

/**
 * A noise scheduler in the shape of diffusers' schedulers: configured once from
 * {@code scheduler_config.json}, then {@link #setTimesteps(int)} before each generation and
 * {@link #step} once per entry of {@link #timesteps()}. Stateful (multistep history, step index):
 * one instance serves one generation at a time.
 */
public interface Scheduler {

    /** Which algorithm this is. */
    SchedulerKind kind();

    SchedulerConfig config();

    /** Prepares the schedule for {@code numInferenceSteps} steps and resets all state. */
    void setTimesteps(int numInferenceSteps);

    /**
     * As diffusers' LCM img2img pipeline sets them: a schedule of {@code numInferenceSteps} steps
     * that itself starts below {@code strength} (LCMScheduler picks its steps from the first
     * strength·original_inference_steps of its distillation schedule), so the loop runs all of them.
     * Schedulers without that option refuse it.
     */
    default void setTimesteps(int numInferenceSteps, double strength) {
        if (strength != 1.0) {
            throw new IllegalArgumentException("the " + getClass().getSimpleName() + " schedule does not take a strength");
        }
        setTimesteps(numInferenceSteps);
    }

    /**
     * The timesteps the pipeline must visit, in order (diffusers' {@code scheduler.timesteps}).
     * May be longer than the number of inference steps (PNDM repeats one for its warm-up).
     */
    double[] timesteps();

    /**
     * diffusers' {@code scheduler.sigmas} for sigma-based schedulers (one more than the
     * timesteps, ending in 0), empty for schedulers that have none (DDIM, PNDM, LCM).
     */
    double[] sigmas();

    /** How many entries of {@link #timesteps()} make up one inference step (diffusers' {@code order}). */
    int order();

    /** Standard deviation of the initial noise (diffusers' {@code init_noise_sigma}). */
    double initNoiseSigma();

    /** Scales the denoising model's input at timestep index {@code stepIndex} (diffusers' {@code scale_model_input}). */
    Tensor scaleModelInput(Tensor sample, int stepIndex);

    /**
     * One denoising step at timestep index {@code stepIndex} of {@link #timesteps()}.
     *
     * @param modelOutput the (guided) model output: epsilon or v, per the config's prediction type
     * @param generator   draws the fresh noise of ancestral/stochastic schedulers; may be null for the others
     */
    StepResult step(Tensor modelOutput, int stepIndex, Tensor sample, NoiseGenerator generator);

    /** Noises clean {@code original} latents to the level of timestep index {@code stepIndex} (img2img, inpaint blending). */
    Tensor addNoise(Tensor original, Tensor noise, int stepIndex);

    /**
     * The noise level at timestep index {@code stepIndex} in the sigma (variance-exploding) form,
     * sqrt((1 − ᾱ_t)/ᾱ_t), defined for every scheduler so previews and callbacks can report it.
     */
    double sigmaAt(int stepIndex);
}
