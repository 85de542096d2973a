package dev.emergence.app.params;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * What a number field accepts: a range, whole numbers or a step. Parses typed text into a value
 * or a one-line reason, shown beside the field (never in a dialog).
 *
 * @param name  the parameter's name as the reason starts ("steps: …")
 * @param step  the values allowed are min + k·step; 0 for any value
 */
public record NumberRule(String name, double min, double max, double step, boolean whole) {

    public static NumberRule whole(String name, long min, long max) {
        return new NumberRule(name, min, max, 1, true);
    }

    public static NumberRule stepped(String name, double min, double max, double step) {
        return new NumberRule(name, min, max, step, false);
    }

    /** The outcome of parsing: exactly one of value and error is set. */
    public record Parsed(Double value, String error) {
        public boolean ok() { return error == null; }
    }

    public Parsed parse(String text) {
        String t = text == null ? "" : text.trim().replace(',', '.');
        if (t.isEmpty()) return new Parsed(null, name + ": empty; expected " + expectation());
        BigDecimal v;
        try {
            v = new BigDecimal(t);
        } catch (NumberFormatException e) {
            return new Parsed(null, name + ": '" + text.trim() + "' is not a number; expected " + expectation());
        }
        if (whole && v.stripTrailingZeros().scale() > 0) {
            return new Parsed(null, name + ": " + t + " is not a whole number; expected " + expectation());
        }
        double d = v.doubleValue();
        if (d < min || d > max) {
            return new Parsed(null, name + ": " + t + " is out of range; expected " + expectation());
        }
        if (!whole && step > 0) {
            double k = (d - min) / step;
            if (Math.abs(k - Math.rint(k)) > 1e-9) {
                return new Parsed(null, name + ": " + t + " is not a multiple of " + format(step) + "; expected " + expectation());
            }
        }
        return new Parsed(d, null);
    }

    /** "a whole number from 1 to 150", "0 to 20 in steps of 0.5". */
    public String expectation() {
        if (whole) return "a whole number from " + format(min) + " to " + format(max);
        return format(min) + " to " + format(max) + (step > 0 ? " in steps of " + format(step) : "");
    }

    public String format(double v) {
        if (whole || v == Math.rint(v) && Math.abs(v) < 1e15) return String.format(Locale.ROOT, "%d", (long) v);
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** The nearest allowed value (for sliders, which move continuously). */
    public double snap(double v) {
        double c = Math.max(min, Math.min(max, v));
        if (whole) return Math.rint(c);
        if (step > 0) return Math.max(min, Math.min(max, min + Math.rint((c - min) / step) * step));
        return c;
    }
}
