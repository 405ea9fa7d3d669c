package org.jdiffusion.nn.optim;

/**
 * A learning rate as a function of the step (0-based: the rate used by the step-th update).
 * Constant; linear warm-up from lr/warmup to lr over the first {@code warmup} steps then constant;
 * or warm-up followed by cosine decay to {@code minLr} at {@code total} steps (Loshchilov &amp;
 * Hutter, 2017, without restarts): lr_min + ½(lr − lr_min)(1 + cos(π·(s − w)/(T − w))).
 */
public sealed interface LrSchedule {
    double lr(long step);

    record Constant(double lr) implements LrSchedule {
        public Constant { check(lr, 0, 1); }

        @Override public double lr(long step) { return lr; }
    }

    record LinearWarmup(double lr, long warmup) implements LrSchedule {
        public LinearWarmup { check(lr, warmup, warmup + 1); }

        @Override public double lr(long step) { return warmupFactor(step, warmup) * lr; }
    }

    record Cosine(double lr, long warmup, long total, double minLr) implements LrSchedule {
        public Cosine {
            check(lr, warmup, total);
            if (!(minLr >= 0 && minLr <= lr)) throw new IllegalArgumentException("cosine schedule: minLr must be in [0, lr], got " + minLr);
        }

        @Override public double lr(long step) {
            if (step < warmup) return warmupFactor(step, warmup) * lr;
            if (step >= total) return minLr;
            double progress = (double) (step - warmup) / (total - warmup);
            return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
        }
    }

    static LrSchedule constant(double lr) { return new Constant(lr); }

    static LrSchedule linearWarmup(double lr, long warmup) { return new LinearWarmup(lr, warmup); }

    static LrSchedule cosine(double lr, long warmup, long total, double minLr) { return new Cosine(lr, warmup, total, minLr); }

    private static double warmupFactor(long step, long warmup) { return step < warmup ? (double) (step + 1) / warmup : 1.0; }

    private static void check(double lr, long warmup, long total) {
        if (!(lr >= 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("learning-rate schedule: lr must be finite and >= 0, got " + lr);
        if (warmup < 0 || total <= warmup)
            throw new IllegalArgumentException("learning-rate schedule: need 0 <= warmup < total steps, got warmup " + warmup + ", total " + total);
    }
}
