package org.jdiffusion.tensor;

/**
 * The Philox-4x32-10 counter-based generator (Salmon et al., "Parallel random numbers: as easy as
 * 1, 2, 3", SC 2011) and the exact mapping from (seed, offset) to values, identical on every device.
 *
 * <p>Element i of a draw at stream offset o uses the 64-bit counter n = o + i:
 * <pre>
 *   key     = (lo32(seed), hi32(seed))
 *   counter = (lo32(n), hi32(n), 0, 0)
 *   (x0, x1, x2, x3) = philox4x32_10(counter, key)
 *   u24(x)    = min(((x &gt;&gt;&gt; 8) + 0.5) · 2^-24, 1 − 2^-24)                  ∈ (0, 1)
 *   u53(x, y) = min((((x &lt;&lt; 21) | (y &gt;&gt;&gt; 11)) + 0.5) · 2^-53, 1 − 2^-53)     ∈ (0, 1)
 *   UNIFORM(a, b):   float32: a + (b − a)·u24(x0)     float64: a + (b − a)·u53(x0, x1)
 *   NORMAL(μ, σ):    μ + σ·√(−2 ln u53(x0, x1))·cos(2π·u53(x2, x3))     (Box–Muller, in float64)
 *   INTEGER(lo, hi): lo + ((x1 &lt;&lt; 32 | x0) unsigned mod (hi − lo))   (bias &lt; (hi−lo)/2^64)
 *   BERNOULLI(p):    u53(x0, x1) &lt; p ? 1 : 0
 * </pre>
 * The min keeps the top value strictly below 1 once rounded (1 − 2^-25 rounds to 1 in float32, and
 * 2^53 − 0.5 rounds to 2^53 in float64); it changes no other value.
 * The bit patterns (uniform, integer, bernoulli) are exact everywhere; normals may differ in the last
 * float64 ulp between devices whose log/cos differ, which vanishes when rounded to float32 except in
 * rare ties. Each element consumes one counter, so a sample drawn with its own offset never depends
 * on the batch it was drawn in.
 */
public final class Philox {
    private Philox() {}

    public enum Distribution { UNIFORM, NORMAL, INTEGER, BERNOULLI }

    private static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /** Philox-4x32-10 of (c0..c3) under (k0, k1) into {@code out[0..3]}. */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int r = 0; r < 10; r++) {
            if (r > 0) { k0 += W0; k1 += W1; }
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32), lo0 = (int) p0, hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
            int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
            c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
        }
        out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
    }

    static double u24(int x) { return Math.min(((x >>> 8) + 0.5) * 0x1.0p-24, 1 - 0x1.0p-24); }

    static double u53(int x, int y) {
        long bits = ((x & 0xFFFFFFFFL) << 21) | ((y & 0xFFFFFFFFL) >>> 11);
        return Math.min((bits + 0.5) * 0x1.0p-53, 1 - 0x1.0p-53);
    }

    /**
     * The value of element with counter n, for a tensor of {@code dtype}; {@code scratch} is an int[4].
     * This is the reference every backend's {@link Backend#random} must reproduce.
     */
    public static double value(Distribution dist, DType dtype, long seed, long n, double a, double b, int[] scratch) {
        block((int) n, (int) (n >>> 32), 0, 0, (int) seed, (int) (seed >>> 32), scratch);
        int x0 = scratch[0], x1 = scratch[1], x2 = scratch[2], x3 = scratch[3];
        return switch (dist) {
            case UNIFORM -> dtype == DType.FLOAT32 ? a + (b - a) * u24(x0) : a + (b - a) * u53(x0, x1);
            case NORMAL -> a + b * Math.sqrt(-2.0 * Math.log(u53(x0, x1))) * Math.cos(2.0 * Math.PI * u53(x2, x3));
            case INTEGER -> {
                long bits = ((x1 & 0xFFFFFFFFL) << 32) | (x0 & 0xFFFFFFFFL);
                yield (long) a + Long.remainderUnsigned(bits, (long) b - (long) a);
            }
            case BERNOULLI -> u53(x0, x1) < a ? 1.0 : 0.0;
        };
    }

    /** The 64 raw bits of counter n (used for host-side permutations). */
    public static long bits64(long seed, long n, int[] scratch) {
        block((int) n, (int) (n >>> 32), 0, 0, (int) seed, (int) (seed >>> 32), scratch);
        return ((scratch[1] & 0xFFFFFFFFL) << 32) | (scratch[0] & 0xFFFFFFFFL);
    }
}
