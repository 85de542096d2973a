package dev.emergence.engine.pipeline;

import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.tensor.Tensor;

import java.time.Duration;
import java.util.Locale;

/**
 * The state after one denoising step, as the studio shows and scrubs it.
 *
 * @param stepIndex  0-based index of the step just done
 * @param stepCount  how many steps this generation runs
 * @param timestep   the diffusers timestep (0..999) the model saw
 * @param sigma      the noise level of the step's input in sigma form, sqrt((1 − ᾱ)/ᾱ)
 * @param latent     the latent after the step (what the next step denoises), scaled latent space
 * @param x0         the "jump": the clean latent estimated at this step (x − σ·ε for epsilon models)
 * @param elapsed    time since the generation began
 * @param warmUps    how many of the {@code stepCount} UNet evaluations are the scheduler's warm-up
 *                   beyond the steps asked for: PNDM's PLMS mode evaluates its second timestep twice
 *                   (1), its Runge-Kutta mode more; 0 for every other scheduler
 */
public record StepSnapshot(int stepIndex, int stepCount, double timestep, double sigma,
                           Tensor latent, Tensor x0, Duration elapsed, int warmUps) {

    /** A step of a scheduler without warm-up evaluations. */
    public StepSnapshot(int stepIndex, int stepCount, double timestep, double sigma, Tensor latent, Tensor x0, Duration elapsed) {
        this(stepIndex, stepCount, timestep, sigma, latent, x0, elapsed, 0);
    }

    /** The steps asked for that this generation runs: {@code stepCount} without the warm-up evaluations. */
    public int requestedSteps() {
        return stepCount - warmUps;
    }

    /**
     * " (PLMS: 20 steps + 1 warm-up)" beside a step count that counts warm-up evaluations, so the
     * count larger than the steps asked for is explained; "" for schedulers without warm-up. The
     * command line's progress lines and the studio's progress text both show it.
     *
     * @param scheduler the scheduler this generation runs
     */
    public String warmUpNote(SchedulerKind scheduler) {
        if (warmUps == 0) return "";
        // One warm-up is PNDM's PLMS mode (AUTOMATIC1111's name for it); more is its Runge-Kutta mode.
        String name = scheduler == SchedulerKind.PNDM && warmUps == 1 ? "PLMS" : scheduler.cliName().toUpperCase(Locale.ROOT);
        return String.format(Locale.ROOT, " (%s: %d steps + %d warm-up)", name, requestedSteps(), warmUps);
    }
}
