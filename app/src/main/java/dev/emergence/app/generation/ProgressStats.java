package dev.emergence.app.generation;

import dev.emergence.engine.pipeline.StepSnapshot;
import dev.emergence.engine.scheduler.SchedulerKind;

import java.time.Duration;
import java.util.Locale;

/**
 * Step n/N, iterations per second and time left, from the engine's step snapshots. The rate is
 * measured from the end of the first step on, so text encoding and image encoding (done once,
 * before the loop) do not make the first steps look slow.
 *
 * @param step        steps done (1-based)
 * @param total       steps this generation runs (UNet evaluations, warm-up included)
 * @param itPerSecond NaN until two steps are done
 * @param eta         remaining time at the current rate; null until known
 * @param warmUpNote  why {@code total} is more than the steps asked for, e.g. " (PLMS: 20 steps + 1 warm-up)"
 *                    as the engine words it ({@link StepSnapshot#warmUpNote}); "" for most schedulers
 */
public record ProgressStats(int step, int total, double itPerSecond, Duration eta, String warmUpNote) {

    /** The progress after {@code s}, of a generation that runs {@code scheduler}. */
    public static ProgressStats of(StepSnapshot s, Duration firstStepDone, SchedulerKind scheduler) {
        return of(s.stepIndex(), s.stepCount(), s.elapsed(), firstStepDone, s.warmUpNote(scheduler));
    }

    /**
     * @param stepIndex     0-based index of the step just done
     * @param elapsed       time since the generation began, at the end of that step
     * @param firstStepDone time since the generation began, at the end of step 0
     */
    public static ProgressStats of(int stepIndex, int stepCount, Duration elapsed, Duration firstStepDone, String warmUpNote) {
        int done = stepIndex + 1;
        double rate = Double.NaN;
        Duration eta = null;
        if (stepIndex >= 1) {
            double secs = (elapsed.toNanos() - firstStepDone.toNanos()) / 1e9;
            if (secs > 0) {
                rate = stepIndex / secs;
                eta = Duration.ofNanos((long) ((stepCount - done) / rate * 1e9));
            }
        }
        return new ProgressStats(done, stepCount, rate, eta, warmUpNote);
    }

    public double fraction() {
        return total <= 0 ? 0 : (double) step / total;
    }

    /** "step 4/21 (PLMS: 20 steps + 1 warm-up)", as the command line prints it; "step 4/20" without warm-up. */
    public String stepLabel() {
        return "step " + step + "/" + total + warmUpNote;
    }

    /** "4.25 it/s", or "0.31 s/it" when slower than one step a second (as diffusion UIs usually show it). */
    public String rateLabel() {
        if (Double.isNaN(itPerSecond)) return "– it/s";
        if (itPerSecond < 1) return String.format(Locale.ROOT, "%.2f s/it", 1 / itPerSecond);
        return String.format(Locale.ROOT, "%.2f it/s", itPerSecond);
    }

    /** "ETA 1:05", or "ETA –" while unknown. */
    public String etaLabel() {
        if (eta == null) return "ETA –";
        long s = Math.round(eta.toMillis() / 1000.0);
        return String.format(Locale.ROOT, "ETA %d:%02d", s / 60, s % 60);
    }
}
