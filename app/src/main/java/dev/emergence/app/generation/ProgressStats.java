package dev.emergence.app.generation;

import java.time.Duration;
import java.util.Locale;

/**
 * Step n/N, iterations per second and time left, from the engine's step snapshots. The rate is
 * measured from the end of the first step on, so text encoding and image encoding (done once,
 * before the loop) do not make the first steps look slow.
 *
 * @param step        steps done (1-based)
 * @param total       steps this generation runs
 * @param itPerSecond NaN until two steps are done
 * @param eta         remaining time at the current rate; null until known
 */
public record ProgressStats(int step, int total, double itPerSecond, Duration eta) {

    /**
     * @param stepIndex     0-based index of the step just done
     * @param elapsed       time since the generation began, at the end of that step
     * @param firstStepDone time since the generation began, at the end of step 0
     */
    public static ProgressStats of(int stepIndex, int stepCount, Duration elapsed, Duration firstStepDone) {
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
        return new ProgressStats(done, stepCount, rate, eta);
    }

    public double fraction() {
        return total <= 0 ? 0 : (double) step / total;
    }

    public String stepLabel() {
        return "step " + step + "/" + total;
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
