package org.jdiffusion.tensor;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Philox-4x32-10 against the known-answer vectors of the Random123 distribution (tests/kat_vectors:
 * counter[4] key[2] → output[4]) and against a second implementation written here with BigInteger
 * arithmetic; then the documented counter → value mapping of {@link Philox#value}.
 */
class PhiloxTest {

    private static int[] block(int[] ctr, int[] key) {
        int[] out = new int[4];
        Philox.block(ctr[0], ctr[1], ctr[2], ctr[3], key[0], key[1], out);
        return out;
    }

    private static int[] words(long... w) {
        int[] r = new int[w.length];
        for (int i = 0; i < w.length; i++) r[i] = (int) w[i];
        return r;
    }

    @Test
    void knownAnswerCounterZeroKeyZero() {
        assertArrayEquals(words(0x6627e8d5L, 0xe169c58dL, 0xbc57ac4cL, 0x9b00dbd8L),
                block(words(0, 0, 0, 0), words(0, 0)));
    }

    @Test
    void knownAnswerAllOnes() {
        assertArrayEquals(words(0x408f276dL, 0x41c83b0eL, 0xa20bc7c6L, 0x6d5451fdL),
                block(words(0xffffffffL, 0xffffffffL, 0xffffffffL, 0xffffffffL), words(0xffffffffL, 0xffffffffL)));
    }

    @Test
    void knownAnswerPiDigits() {
        assertArrayEquals(words(0xd16cfe09L, 0x94fdccebL, 0x5001e420L, 0x24126ea1L),
                block(words(0x243f6a88L, 0x85a308d3L, 0x13198a2eL, 0x03707344L), words(0xa4093822L, 0x299f31d0L)));
    }

    // ---- an independent Philox-4x32-10: unsigned words as BigIntegers, round then key bump ----

    private static final BigInteger MASK = BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE);
    private static final BigInteger MUL0 = new BigInteger("D2511F53", 16), MUL1 = new BigInteger("CD9E8D57", 16);
    private static final BigInteger BUMP0 = new BigInteger("9E3779B9", 16), BUMP1 = new BigInteger("BB67AE85", 16);

    private static BigInteger u(int w) { return BigInteger.valueOf(w & 0xFFFFFFFFL); }

    /** Ten rounds of (L0, R0, L1, R1) ← (hi(M1·R1) ⊕ L0' ⊕ k0, lo(M1·R1), hi(M0·R0) ⊕ ... ) in Salmon et al.'s notation. */
    static int[] slowPhilox(int[] ctr, int[] key) {
        BigInteger[] x = {u(ctr[0]), u(ctr[1]), u(ctr[2]), u(ctr[3])};
        BigInteger k0 = u(key[0]), k1 = u(key[1]);
        for (int round = 1; round <= 10; round++) {
            BigInteger prod0 = MUL0.multiply(x[0]), prod1 = MUL1.multiply(x[2]);
            BigInteger[] y = new BigInteger[4];
            y[0] = prod1.shiftRight(32).xor(x[1]).xor(k0);
            y[1] = prod1.and(MASK);
            y[2] = prod0.shiftRight(32).xor(x[3]).xor(k1);
            y[3] = prod0.and(MASK);
            x = y;
            k0 = k0.add(BUMP0).and(MASK);
            k1 = k1.add(BUMP1).and(MASK);
        }
        return new int[]{x[0].intValue(), x[1].intValue(), x[2].intValue(), x[3].intValue()};
    }

    @Test
    void independentImplementationAgreesWithKnownAnswers() {
        assertArrayEquals(words(0x6627e8d5L, 0xe169c58dL, 0xbc57ac4cL, 0x9b00dbd8L), slowPhilox(words(0, 0, 0, 0), words(0, 0)));
        assertArrayEquals(words(0xd16cfe09L, 0x94fdccebL, 0x5001e420L, 0x24126ea1L),
                slowPhilox(words(0x243f6a88L, 0x85a308d3L, 0x13198a2eL, 0x03707344L), words(0xa4093822L, 0x299f31d0L)));
    }

    @Test
    void blockAgreesWithIndependentImplementationOnRandomInputs() {
        SplittableRandom r = new SplittableRandom(0x5eed1);
        for (int t = 0; t < 300; t++) {
            int[] ctr = {r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt()}, key = {r.nextInt(), r.nextInt()};
            assertArrayEquals(slowPhilox(ctr, key), block(ctr, key), "counter/key case " + t);
        }
    }

    // ---- the counter → value mapping documented on Philox ----

    /** The four output words of counter n under seed, computed independently. */
    private static long[] out(long seed, long n) {
        int[] o = slowPhilox(new int[]{(int) n, (int) (n >>> 32), 0, 0}, new int[]{(int) seed, (int) (seed >>> 32)});
        return new long[]{o[0] & 0xFFFFFFFFL, o[1] & 0xFFFFFFFFL, o[2] & 0xFFFFFFFFL, o[3] & 0xFFFFFFFFL};
    }

    private static double top24(long x) { return Math.min(((x >> 8) + 0.5) / 16777216.0, 1 - 1.0 / 16777216.0); }

    private static double top53(long x, long y) {
        long bits = (x << 21) | (y >> 11);
        return Math.min((bits + 0.5) / 9007199254740992.0, Math.nextDown(1.0));
    }

    @Test
    void valueFollowsTheDocumentedMapping() {
        long[] seeds = {0, 1, -1, 0x123456789ABCDEFL, Long.MIN_VALUE};
        long[] counters = {0, 1, 7, (1L << 32) - 1, 1L << 32, (3L << 32) + 5, Long.MAX_VALUE};
        int[] s = new int[4];
        for (long seed : seeds)
            for (long n : counters) {
                long[] x = out(seed, n);
                String at = "seed " + seed + " counter " + n;
                assertEquals(-2 + 5 * top24(x[0]), Philox.value(Philox.Distribution.UNIFORM, DType.FLOAT32, seed, n, -2, 3, s), 0, at);
                assertEquals(-2 + 5 * top53(x[0], x[1]), Philox.value(Philox.Distribution.UNIFORM, DType.FLOAT64, seed, n, -2, 3, s), 0, at);
                double normal = 0.5 + 2 * Math.sqrt(-2 * Math.log(top53(x[0], x[1]))) * Math.cos(2 * Math.PI * top53(x[2], x[3]));
                assertEquals(normal, Philox.value(Philox.Distribution.NORMAL, DType.FLOAT64, seed, n, 0.5, 2, s), 1e-12, at);
                BigInteger word = BigInteger.valueOf(x[1]).shiftLeft(32).or(BigInteger.valueOf(x[0]));
                long integer = -5 + word.mod(BigInteger.valueOf(1000)).longValueExact();
                assertEquals(integer, Philox.value(Philox.Distribution.INTEGER, DType.INT64, seed, n, -5, 995, s), 0, at);
                assertEquals(top53(x[0], x[1]) < 0.3 ? 1.0 : 0.0, Philox.value(Philox.Distribution.BERNOULLI, DType.FLOAT32, seed, n, 0.3, 0, s), 0, at);
                assertEquals(word.longValue(), Philox.bits64(seed, n, s), at);
            }
    }

    @Test
    void unitIntervalMapsStayStrictlyInsideZeroOne() {
        for (int x : new int[]{0, 0xFF, 0x100, 0x7FFFFFFF, 0x80000000, 0xFFFFFF00, 0xFFFFFFFF}) {
            double u = Philox.u24(x);
            assertTrue(u > 0 && u < 1, "u24 " + u);
            assertTrue((float) u > 0 && (float) u < 1, "u24 rounded to float32: " + (float) u);
        }
        int[][] pairs = {{0, 0}, {0, 0x7FF}, {0xFFFFFFFF, 0xFFFFFFFF}, {0xFFFFFFFF, 0xFFFFF800}, {0x80000000, 0}};
        for (int[] p : pairs) {
            double u = Philox.u53(p[0], p[1]);
            assertTrue(u > 0 && u < 1, "u53 " + u);
        }
        assertEquals(0x1.0p-25, Philox.u24(0), 0);
        assertEquals(0x1.0p-54, Philox.u53(0, 0), 0);
        assertEquals(Math.nextDown(1.0f), (float) Philox.u24(0xFFFFFFFF), 0);
        assertEquals(Math.nextDown(1.0), Philox.u53(0xFFFFFFFF, 0xFFFFFFFF), 0);
    }

    /** ulps of |got − want| in units of want's ulp. */
    private static double ulps(double got, double want) { return Math.abs(got - want) / Math.ulp(want); }

    @Test
    void logIsWithinTwoUlpsAcrossTheWholeRangeOfU53() {
        SplittableRandom rng = new SplittableRandom();
        double worst = 0;
        for (int i = 0; i < 200_000; i++) {
            // every binade u53 can produce, 2^-54 .. 1, and the neighbourhoods of 1 and of √2/2
            double u = switch (i % 3) {
                case 0 -> Math.scalb(1 + rng.nextDouble(), -1 - rng.nextInt(54));
                case 1 -> 1 - rng.nextDouble() * 0x1.0p-20;
                default -> Math.sqrt(0.5) * (1 + (rng.nextDouble() - 0.5) * 0x1.0p-30);
            };
            if (u >= 1) continue;
            worst = Math.max(worst, ulps(Philox.log(u), StrictMath.log(u)));
        }
        assertTrue(worst <= 2, "log: worst error " + worst + " ulp");
        assertEquals(-54 * Math.log(2), Philox.log(0x1.0p-54), Math.ulp(37.4), "log 2^-54");
        assertEquals(-0x1.0p-53, Philox.log(Math.nextDown(1.0)), 0x1.0p-106, "log(1 − 2^-53)");
    }

    @Test
    void cosTwoPiIsWithinTwoUlpsOfTheResultAlsoNearItsZeros() {
        // reference: a = fl(2πu), δ = (2πu − a) from an FMA and 2π's own rounding; cos(a + δ) ≈ cos a − δ sin a
        double twoPiLow = 2.4492935982947064e-16;   // 2π − fl(2π)
        SplittableRandom rng = new SplittableRandom();
        double worst = 0;
        for (int i = 0; i < 200_000; i++) {
            double u = switch (i % 3) {
                case 0 -> rng.nextDouble();
                case 1 -> (1 + 2 * rng.nextInt(2)) / 4.0 + (rng.nextDouble() - 0.5) * 0x1.0p-24;  // near the zeros ¼, ¾
                default -> rng.nextInt(8) / 8.0 + (rng.nextDouble() - 0.5) * 0x1.0p-40;         // octant edges
            };
            if (u < 0 || u >= 1) continue;
            double a = 2 * Math.PI * u, delta = Math.fma(2 * Math.PI, u, -a) + u * twoPiLow;
            double want = StrictMath.cos(a) - delta * StrictMath.sin(a);
            worst = Math.max(worst, ulps(Philox.cos2Pi(u), want));
        }
        assertTrue(worst <= 2, "cos2Pi: worst error " + worst + " ulp");
        assertEquals(1.0, Philox.cos2Pi(0.0), 0);
        assertEquals(-1.0, Philox.cos2Pi(0.5), 0);
        assertEquals(0.0, Philox.cos2Pi(0.25), 0);
    }
}
