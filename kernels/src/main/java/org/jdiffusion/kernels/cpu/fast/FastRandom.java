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
    private static final int W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    public static void fill(Philox.Distribution dist, long seed, long offset, double a, double b, Tensor out) {
        int n = out.numel();
        HostStorage s = (HostStorage) out.storage();
        int base = out.offset();
        int pieces = (int) Math.max(1, Math.min(4L * CpuParallel.threads(), n / 4096));
        int per = (n + pieces - 1) / pieces;
        CpuParallel.forRange(pieces, 1, (lo, hi) -> {
            long[] w = new long[4 * LL];
            for (int piece = lo; piece < hi; piece++) {
                int e0 = piece * per, e1 = Math.min(n, e0 + per);
                for (int i = e0; i < e1; i += LL) {
                    words(seed, offset + i, w);
                    for (int l = 0; l < LL && i + l < e1; l++)
                        store(dist, s, base + i + l, (int) w[l], (int) w[LL + l], (int) w[2 * LL + l], (int) w[3 * LL + l], a, b);
                }
            }
        });
    }

    /** w[k·LL + l] ← word k of the Philox block of counter first + l, for the LL lanes l. */
    static void words(long seed, long first, long[] w) {
        LongVector n = LongVector.broadcast(LS, first).add(LongVector.zero(LS).addIndex(1));
        LongVector c0 = n.and(MASK), c1 = n.lanewise(VectorOperators.LSHR, 32), c2 = LongVector.zero(LS), c3 = c2;
        int k0 = (int) seed, k1 = (int) (seed >>> 32);
        for (int r = 0; r < 10; r++) {
            if (r > 0) { k0 += W0; k1 += W1; }
            LongVector p0 = c0.mul(M0), p1 = c2.mul(M1);
            LongVector n0 = p1.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, c1).lanewise(VectorOperators.XOR, k0 & MASK);
            LongVector n2 = p0.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, c3).lanewise(VectorOperators.XOR, k1 & MASK);
            c1 = p1.and(MASK);
            c3 = p0.and(MASK);
            c0 = n0;
            c2 = n2;
        }
        c0.intoArray(w, 0);
        c1.intoArray(w, LL);
        c2.intoArray(w, 2 * LL);
        c3.intoArray(w, 3 * LL);
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
        }
    }

    private static double normal(int x0, int x1, int x2, int x3, double a, double b) {
        return a + b * Math.sqrt(-2.0 * Math.log(u53(x0, x1))) * Math.cos(2.0 * Math.PI * u53(x2, x3));
    }

    private static long integer(int x0, int x1, double a, double b) {
        long bits = ((x1 & MASK) << 32) | (x0 & MASK);
        return (long) a + Long.remainderUnsigned(bits, (long) b - (long) a);
    }
}
