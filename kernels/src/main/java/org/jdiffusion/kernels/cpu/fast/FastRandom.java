package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jdiffusion.kernels.cpu.CpuParallel;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Philox;
import org.jdiffusion.tensor.Tensor;

/**
 * {@link Philox} draws into a contiguous tensor with the generator run on vector lanes: each lane
 * holds one element's 32-bit words zero-extended in 64 bits, so a round's 32×32 → 64-bit products
 * are one vector multiply (8 elements per instruction with AVX-512). The words then go through the
 * same mapping to values as {@link Philox#value}, element by element, so every value is bit for bit
 * the reference's (normals up to the ulp of the platform's log and cos, as there).
 * Cost per element: 10 rounds of 2 multiplies and ~8 logic ops on lanes, plus the mapping; bytes: the output.
 */
public final class FastRandom {
    private FastRandom() {}

    private static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
    private static final int LL = LS.length();
    private static final long MASK = 0xFFFFFFFFL, M0 = 0xD2511F53L, M1 = 0xCD9E8D57L;
    private static final long W0 = 0x9E3779B9L, W1 = 0xBB67AE85L;

    public static void fill(Philox.Distribution dist, long seed, long offset, double a, double b, Tensor out) {
        int n = out.numel();
        HostStorage s = (HostStorage) out.storage();
        int base = out.offset();
        int pieces = (int) Math.max(1, Math.min(4L * CpuParallel.threads(), n / 4096));
        int per = (n + pieces - 1) / pieces;
        CpuParallel.forRange(pieces, 1, (lo, hi) -> {
            long[] w = new long[4 * BLOCK];
            for (int piece = lo; piece < hi; piece++) {
                int e0 = piece * per, e1 = Math.min(n, e0 + per);
                for (int i = e0; i < e1; i += BLOCK) {
                    int len = Math.min(BLOCK, e1 - i);
                    for (int l = 0; l < len; l += 2 * LL) words(seed, offset + i + l, w, l);
                    if (s instanceof HostStorage.F32 f && dist == Philox.Distribution.BERNOULLI) bernoulli(w, len, a, f.data(), base + i);
                    else if (s instanceof HostStorage.F32 f && dist == Philox.Distribution.UNIFORM) uniform(w, len, a, b, f.data(), base + i);
                    else for (int l = 0; l < len; l++)
                        store(dist, s, base + i + l, (int) w[l], (int) w[BLOCK + l], (int) w[2 * BLOCK + l], (int) w[3 * BLOCK + l], a, b);
                }
            }
        });
    }

    /** Elements per block of words: the words of a block are produced first, then mapped. */
    private static final int BLOCK = 256;

    /**
     * w[k·BLOCK + at + l] ← word k of the Philox block of counter first + l, for 2·LL lanes l: two
     * independent vectors interleaved, since one round is a chain of dependent multiply, shift and xors.
     */
    static void words(long seed, long first, long[] w, int at) {
        LongVector iota = LongVector.zero(LS).addIndex(1);
        LongVector na = LongVector.broadcast(LS, first + 0 * LL).add(iota);
        LongVector nb = LongVector.broadcast(LS, first + 1 * LL).add(iota);
        LongVector c0a = na.and(MASK), c1a = na.lanewise(VectorOperators.LSHR, 32), c2a = LongVector.zero(LS), c3a = c2a;
        LongVector c0b = nb.and(MASK), c1b = nb.lanewise(VectorOperators.LSHR, 32), c2b = LongVector.zero(LS), c3b = c2b;
        long k0 = seed & MASK, k1 = seed >>> 32;
        for (int r = 0; r < 10; r++) {
            if (r > 0) { k0 = (k0 + W0) & MASK; k1 = (k1 + W1) & MASK; }
            LongVector p0a = c0a.mul(M0), p1a = c2a.mul(M1);
            LongVector p0b = c0b.mul(M0), p1b = c2b.mul(M1);
            LongVector n0a = p1a.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, c1a).lanewise(VectorOperators.XOR, k0);
            LongVector n2a = p0a.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, c3a).lanewise(VectorOperators.XOR, k1);
            LongVector n0b = p1b.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, c1b).lanewise(VectorOperators.XOR, k0);
            LongVector n2b = p0b.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, c3b).lanewise(VectorOperators.XOR, k1);
            c1a = p1a.and(MASK); c3a = p0a.and(MASK); c0a = n0a; c2a = n2a;
            c1b = p1b.and(MASK); c3b = p0b.and(MASK); c0b = n0b; c2b = n2b;
        }
        c0a.intoArray(w, at + 0 * LL); c1a.intoArray(w, BLOCK + at + 0 * LL);
        c2a.intoArray(w, 2 * BLOCK + at + 0 * LL); c3a.intoArray(w, 3 * BLOCK + at + 0 * LL);
        c0b.intoArray(w, at + 1 * LL); c1b.intoArray(w, BLOCK + at + 1 * LL);
        c2b.intoArray(w, 2 * BLOCK + at + 1 * LL); c3b.intoArray(w, 3 * BLOCK + at + 1 * LL);
    }

    /** Bernoulli(p) into float32: u53(x0, x1) < p. */
    private static void bernoulli(long[] w, int len, double p, float[] out, int at) {
        for (int l = 0; l < len; l++) out[at + l] = u53((int) w[l], (int) w[BLOCK + l]) < p ? 1f : 0f;
    }

    /** Uniform(a, b) into float32: a + (b − a)·u24(x0). */
    private static void uniform(long[] w, int len, double a, double b, float[] out, int at) {
        for (int l = 0; l < len; l++) out[at + l] = (float) (a + (b - a) * u24((int) w[l]));
    }

    private static double u24(int x) { return Math.min(((x >>> 8) + 0.5) * 0x1.0p-24, 1 - 0x1.0p-24); }

    private static double u53(int x, int y) {
        long bits = ((x & MASK) << 21) | ((y & MASK) >>> 11);
        return Math.min((bits + 0.5) * 0x1.0p-53, 1 - 0x1.0p-53);
    }

    /** The value of words (x0..x3) under dist, as {@link Philox#value} maps them, into element p of s. */
    private static void store(Philox.Distribution dist, HostStorage s, int p, int x0, int x1, int x2, int x3, double a, double b) {
        switch (s) {
            case HostStorage.F32 f -> f.data()[p] = (float) switch (dist) {
                case UNIFORM -> a + (b - a) * u24(x0);
                case NORMAL -> normal(x0, x1, x2, x3, a, b);
                case INTEGER -> (double) integer(x0, x1, a, b);
                case BERNOULLI -> u53(x0, x1) < a ? 1.0 : 0.0;
            };
            case HostStorage.F64 d -> d.data()[p] = switch (dist) {
                case UNIFORM -> a + (b - a) * u53(x0, x1);
                case NORMAL -> normal(x0, x1, x2, x3, a, b);
                case INTEGER -> (double) integer(x0, x1, a, b);
                case BERNOULLI -> u53(x0, x1) < a ? 1.0 : 0.0;
            };
            case HostStorage.I64 l -> l.data()[p] = switch (dist) {
                case UNIFORM -> (long) (a + (b - a) * u53(x0, x1));
                case NORMAL -> (long) normal(x0, x1, x2, x3, a, b);
                case INTEGER -> (long) (double) integer(x0, x1, a, b);   // through float64, as the reference
                case BERNOULLI -> u53(x0, x1) < a ? 1 : 0;
            };
            case HostStorage.BF16 h -> throw noHalf(h);
            case HostStorage.F16 h -> throw noHalf(h);
        }
    }

    /** Rand rejects the 16-bit storage dtypes (draw in float32 and cast), so no draw reaches here with one. */
    private static IllegalArgumentException noHalf(HostStorage s) {
        return new IllegalArgumentException("random: draws float32, float64 or int64, not " + s.dtype() + " (draw in float32 and cast)");
    }

    private static double normal(int x0, int x1, int x2, int x3, double a, double b) {
        return Philox.normal(x0, x1, x2, x3, a, b);
    }

    private static long integer(int x0, int x1, double a, double b) {
        long bits = ((x1 & MASK) << 32) | (x0 & MASK);
        return (long) a + Long.remainderUnsigned(bits, (long) b - (long) a);
    }
}
