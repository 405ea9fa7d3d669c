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
 *   NORMAL(μ, σ):    μ + σ·√(−2 ln u53(x0, x1))·cos(2π·u53(x2, x3))     (Box–Muller, in float64,
 *                    with the ln and cos of {@link #log} and {@link #cos2Pi})
 *   INTEGER(lo, hi): lo + ((x1 &lt;&lt; 32 | x0) unsigned mod (hi − lo))   (bias &lt; (hi−lo)/2^64)
 *   BERNOULLI(p):    u53(x0, x1) &lt; p ? 1 : 0
 * </pre>
 * The min keeps the top value strictly below 1 once rounded (1 − 2^-25 rounds to 1 in float32, and
 * 2^53 − 0.5 rounds to 2^53 in float64); it changes no other value.
 * Every value is bit-identical on every device: the arithmetic is IEEE additions, multiplications,
 * divisions, square roots and fused multiply-adds in a fixed order, which round the same everywhere.
 * (A platform's own log and cos may differ in the last ulp: a GPU's did, by 1.1e-16 on a normal of
 * −7.8e-4, so the two are spelled out here and in random.cu.) Each element consumes one counter, so a
 * sample drawn with its own offset never depends on the batch it was drawn in.
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
            case NORMAL -> normal(x0, x1, x2, x3, a, b);
            case INTEGER -> {
                long bits = ((x1 & 0xFFFFFFFFL) << 32) | (x0 & 0xFFFFFFFFL);
                yield (long) a + Long.remainderUnsigned(bits, (long) b - (long) a);
            }
            case BERNOULLI -> u53(x0, x1) < a ? 1.0 : 0.0;
        };
    }

    /** μ + σ·√(−2 ln u53(x0, x1))·cos(2π·u53(x2, x3)): the Box–Muller normal of one counter's four words. */
    public static double normal(int x0, int x1, int x2, int x3, double mu, double sigma) {
        return mu + sigma * Math.sqrt(-2.0 * log(u53(x0, x1))) * cos2Pi(u53(x2, x3));
    }

    // 1/3, 1/5, ... 1/19 and 1/3!, 1/4!, ... 1/18! (correctly rounded; random.cu spells the same bits)
    private static final double[] ODD = {0x1.5555555555555p-2, 0x1.999999999999ap-3, 0x1.2492492492492p-3,
        0x1.c71c71c71c71cp-4, 0x1.745d1745d1746p-4, 0x1.3b13b13b13b14p-4, 0x1.1111111111111p-4,
        0x1.e1e1e1e1e1e1ep-5, 0x1.af286bca1af28p-5};
    private static final double[] SIN = {-0x1.5555555555555p-3, 0x1.1111111111111p-7, -0x1.a01a01a01a01ap-13,
        0x1.71de3a556c734p-19, -0x1.ae64567f544e4p-26, 0x1.6124613a86d09p-33, -0x1.ae7f3e733b81fp-41,
        0x1.952c77030ad4ap-49};
    private static final double[] COS = {0x1.5555555555555p-5, -0x1.6c16c16c16c17p-10, 0x1.a01a01a01a01ap-16,
        -0x1.27e4fb7789f5cp-22, 0x1.1eed8eff8d898p-29, -0x1.93974a8c07c9dp-37, 0x1.ae7f3e733b81fp-45,
        -0x1.6827863b97d97p-53};
    private static final double LN2 = 0x1.62e42fefa39efp-1, SQRT2 = 0x1.6a09e667f3bcdp0, HALF_PI = 0x1.921fb54442d18p0;

    /** p[0] + z·(p[1] + z·(… + z·p[n−1])) by fused multiply-adds. */
    private static double horner(double[] p, double z) {
        double r = p[p.length - 1];
        for (int k = p.length - 2; k >= 0; k--) r = Math.fma(r, z, p[k]);
        return r;
    }

    /**
     * ln u for a normal positive u (within 2 ulp). u = 2^e·m with m ∈ (√2/2, √2]; s = (m − 1)/(m + 1);
     * ln m = 2 atanh s = 2s(1 + s²/3 + s⁴/5 + … + s¹⁸/19), truncated below 2^-55 since s² ≤ 0.0295.
     */
    public static double log(double u) {
        long bits = Double.doubleToRawLongBits(u);
        int e = (int) ((bits >>> 52) & 0x7FF) - 1023;
        double m = Double.longBitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L);
        if (m > SQRT2) { m *= 0.5; e += 1; }
        double f = m - 1.0, s = f / (2.0 + f), s2 = s + s, z = s * s;
        double lnm = Math.fma(s2, z * horner(ODD, z), s2);
        return Math.fma(e, LN2, lnm);
    }

    /**
     * cos(2πu) for u ∈ [0, 1) (within 2 ulp of the result, also near its zeros). 4u = q + r exactly
     * (quadrant q, r ∈ [0, 1)); with t = min(r, 1 − r) ≤ ½ and x = t·π/2 ≤ π/4, Taylor series to x¹⁸
     * give sin x and cos x, and cos 2πu is ±cos or ±sin of π/2·r by quadrant.
     */
    public static double cos2Pi(double u) {
        double v = 4.0 * u;
        int q = (int) v;
        double r = v - q;
        boolean flip = r > 0.5;
        double x = HALF_PI * (flip ? 1.0 - r : r), z = x * x;
        double sin = Math.fma(x * z, horner(SIN, z), x);
        double cos = Math.fma(z * z, horner(COS, z), Math.fma(-0.5, z, 1.0));
        double cr = flip ? sin : cos, sr = flip ? cos : sin;   // cos(π/2·r), sin(π/2·r)
        return switch (q & 3) { case 0 -> cr; case 1 -> -sr; case 2 -> -cr; default -> sr; };
    }

    /** The 64 raw bits of counter n (used for host-side permutations). */
    public static long bits64(long seed, long n, int[] scratch) {
        block((int) n, (int) (n >>> 32), 0, 0, (int) seed, (int) (seed >>> 32), scratch);
        return ((scratch[1] & 0xFFFFFFFFL) << 32) | (scratch[0] & 0xFFFFFFFFL);
    }
}
