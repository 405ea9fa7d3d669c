package org.jdiffusion.samples.train;

import java.util.Locale;

/**
 * Flags gradient-norm spikes: a step whose global gradient norm (before clipping) exceeds
 * {@link #FACTOR} times the running mean of the previous steps' norms (an exponential moving
 * average with a 1/{@link #WINDOW} weight), once {@link #WARMUP} steps have set the mean. A spike
 * enters the mean only at the mean's value, so one outlier does not hide the next. Spikes often
 * precede a loss that turns NaN; they are logged, training goes on.
 */
final class GradNormWatch {
    static final double FACTOR = 10;
    static final int WINDOW = 100, WARMUP = 20;

    private double mean;
    private long seen, spikes;

    /** Records step's norm; returns the line to log when it is a spike, else null. */
    String observe(long step, double norm) {
        if (!Double.isFinite(norm)) return null;
        boolean spike = seen >= WARMUP && mean > 0 && norm > FACTOR * mean;
        String line = spike ? String.format(Locale.ROOT, "train: gradient norm spike at step %d: %.4g, %.1fx the running mean %.4g (%d so far)",
                step, norm, norm / mean, mean, ++spikes) : null;
        double x = spike ? mean : norm;
        mean = seen == 0 ? x : mean + (x - mean) / Math.min(seen + 1, WINDOW);
        seen++;
        return line;
    }

    long spikes() { return spikes; }
}
