package org.jdiffusion.tensor;

/**
 * erf and erfc to ~1e-15 relative error: Taylor series near 0, continued fraction of erfc beyond;
 * erfc(±∞) = 0, 2 and NaN stays NaN. The project's one erfc: gelu's reference ({@link UnaryOp#GELU})
 * and the diffusion likelihood's Gaussian CDF use it.
 */
public final class Erf {
    private Erf() {}

    public static double erf(double x) {
        double ax = Math.abs(x);
        if (ax < 2.5) {
            // erf(x) = 2/√π · Σ (−1)^n x^(2n+1) / (n! (2n+1))
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 80; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            double r = 2.0 / Math.sqrt(Math.PI) * sum;
            return x < 0 ? -r : r;
        }
        double erfc = erfcTail(ax);
        return x < 0 ? erfc - 1.0 : 1.0 - erfc;
    }

    /** erfc(x) = 1 − erf(x), keeping its relative accuracy in the right tail (where 1 − erf would cancel). */
    public static double erfc(double x) {
        double ax = Math.abs(x);
        if (ax < 1.5) return 1.0 - erf(x);
        double tail = erfcTail(ax);
        return x < 0 ? 2.0 - tail : tail;
    }

    /**
     * erfc(a) for a ≥ 1.5: exp(−a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + 2/(a + ...))))), 120 terms
     * (relative error below 1e-15 from a = 1.5 up).
     */
    private static double erfcTail(double ax) {
        double f = ax;
        for (int k = 120; k >= 1; k--) f = ax + (k / 2.0) / f;
        return Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
    }
}
