package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.NoiseSchedule;

/**
 * How n sampling timesteps are chosen among the T training ones, returned in descending order
 * (Lin et al. 2024, Table 2, in the 0-based convention, plus log-SNR spacing):
 * <ul>
 *   <li>{@code LINSPACE}: round(linspace(0, T−1, n)) — includes T−1 and 0;</li>
 *   <li>{@code LEADING}: k·⌊T/n⌋ for k = 0 … n−1 — starts below T−1 (x_T is never seen at its own SNR);</li>
 *   <li>{@code TRAILING}: round(T − k·T/n) − 1 for k = 0 … n−1 — always includes T−1, which zero
 *       terminal SNR needs;</li>
 *   <li>{@code QUADRATIC}: round((T−1)·(k/(n−1))²) (Song et al. 2021, Appendix D.2, "quadratic" τ) — dense
 *       near the data, where low-dimensional data needs its steps; nudged apart where rounding
 *       collides;</li>
 *   <li>{@code LOG_SNR}: uniform in λ_t = ½·log SNR(t) between λ_{T−1} and λ_0 (Lu et al. 2022, §3.3,
 *       recommended for low-dimensional data), each point snapped to the nearest timestep, kept
 *       strictly decreasing; at zero terminal SNR T−1 comes first and the rest spans λ_{T−2} … λ_0.</li>
 *   <li>{@code KARRAS}: Karras et al. 2022, eq. 5: σ_i = (σ_max^{1/ρ} + i/(n−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ
 *       with ρ = 7, in the variance-exploding σ = √((1−ᾱ)/ᾱ) = e^{−λ}, between the schedule's own σ_max
 *       (t = T−1) and σ_min (t = 0); each point snapped to the timestep nearest in log σ like
 *       {@code LOG_SNR} (T−1 first at zero terminal SNR).</li>
 * </ul>
 * Rounding is half-to-even. Samplers derive each step's previous timestep from this list itself.
 */
public enum Spacing {
    LINSPACE, LEADING, TRAILING, QUADRATIC, LOG_SNR, KARRAS;

    /** Karras et al.'s ρ (eq. 5): larger ρ puts more steps near σ_min. */
    public static final double KARRAS_RHO = 7;

    public long[] timesteps(NoiseSchedule schedule, int steps) {
        int T = schedule.timesteps();
        if (steps < 1 || steps > T)
            throw new IllegalArgumentException("Spacing." + name() + ": steps must be in 1.." + T + ", got " + steps);
        if (this == LOG_SNR || this == KARRAS) return snapped(schedule, steps, this == KARRAS);
        if (this == QUADRATIC) return quadratic(T, steps);
        long[] out = new long[steps];
        for (int j = 0; j < steps; j++) {
            out[j] = switch (this) {
                case LINSPACE -> steps == 1 ? T - 1 : (long) Math.rint((double) (T - 1) * (steps - 1 - j) / (steps - 1));
                case LEADING -> (long) (steps - 1 - j) * (T / steps);
                case TRAILING -> (long) Math.rint(T - (double) j * T / steps) - 1;
                case QUADRATIC, LOG_SNR, KARRAS -> throw new AssertionError();
            };
        }
        return out;
    }

    private static long[] quadratic(int T, int steps) {
        long[] out = new long[steps];
        for (int k = 0; k < steps; k++) {
            double u = steps == 1 ? 1 : (double) k / (steps - 1);
            out[steps - 1 - k] = (long) Math.rint((T - 1) * u * u);
        }
        for (int j = steps - 2; j >= 0; j--) out[j] = Math.max(out[j], out[j + 1] + 1);   // strictly decreasing
        return out;
    }

    /** The lower-case name the program uses, with '-' for '_' (log-snr). */
    public String key() { return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'); }

    public static Spacing fromKey(String key) {
        for (Spacing s : values()) if (s.key().equals(key.trim().toLowerCase(java.util.Locale.ROOT))) return s;
        throw new IllegalArgumentException("unknown spacing '" + key + "' (expected linspace, leading, trailing, quadratic, log-snr or karras)");
    }

    /** Targets uniform in λ, or Karras' σ sequence as λ = −log σ, each snapped to the nearest timestep. */
    private static long[] snapped(NoiseSchedule schedule, int steps, boolean karras) {
        int T = schedule.timesteps();
        long[] out = new long[steps];
        int start = 0, hi = T - 1;
        if (schedule.isZeroTerminalSnr()) {
            out[start++] = T - 1;
            hi = T - 2;
        }
        int m = steps - start;
        if (m == 0) return out;
        double lamLo = schedule.lambda(hi), lamHi = schedule.lambda(0);
        long prev = hi + 1;
        for (int k = 0; k < m; k++) {
            double u = m == 1 ? 0 : (double) k / (m - 1);
            double target = lamLo + (lamHi - lamLo) * u;
            if (karras) {                                       // σ = e^{−λ}: σ_k = (σ_max^{1/ρ} + u·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ
                double a = Math.exp(-lamLo / KARRAS_RHO), b = Math.exp(-lamHi / KARRAS_RHO);
                target = -KARRAS_RHO * Math.log(a + u * (b - a));
            }
            long t = nearest(schedule, target, hi);
            long room = m - 1 - k;                              // later points need distinct smaller timesteps
            t = Math.max(Math.min(t, prev - 1), room);
            out[start + k] = t;
            prev = t;
        }
        return out;
    }

    /** The t in 0 … hi whose λ_t (decreasing in t) is nearest to target. */
    private static long nearest(NoiseSchedule s, double target, int hi) {
        int lo = 0, h = hi;
        while (lo < h) {                                        // first t with λ_t <= target
            int mid = (lo + h) >>> 1;
            if (s.lambda(mid) <= target) h = mid; else lo = mid + 1;
        }
        if (lo > 0 && Math.abs(s.lambda(lo - 1) - target) < Math.abs(s.lambda(lo) - target)) return lo - 1;
        return lo;
    }
}
