package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

import static org.jdiffusion.kernels.cpu.fast.GemmKernel.S;

/**
 * Vector transcendental functions of the fast kernels, written with plain lane arithmetic so they
 * cost a dozen instructions per vector rather than a library call.
 * <p>exp: Cody–Waite range reduction x = n·ln2 + r (|r| ≤ ln2/2, ln2 split in a short exact head
 * and a tail) and the degree-6 minimax polynomial of Cephes' expf for e^r, scaled by 2^n built in
 * the exponent bits; about 2 ulp over the float range, e^x = 0 below −87.34 (the smallest normal),
 * +∞ above 88.37, NaN stays NaN. sigmoid, SiLU and tanh are formed from it.
 * <p>sum: the lanes added in one fixed tree. {@code reduceLanes(ADD)} leaves the order open, and
 * HotSpot's interpreted and compiled forms of it do add in different orders, so a kernel using it
 * gives different last bits before and after the JIT reaches it; this one gives the same bits always.
 */
public final class VMath {
    private VMath() {}

    private static final float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float LO = -87.33654f, HI = 88.37626f;
    /** 1.5·2^23: adding and subtracting it rounds to the nearest integer for |v| < 2^22. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = 0x4B400000;

    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(LO).min(HI);
        FloatVector big = xc.fma(LOG2E, ROUND);          // ROUND + n in its low mantissa bits
        FloatVector n = big.sub(ROUND);
        FloatVector r = n.fma(c(-LN2_HI), xc);
        r = n.fma(c(-LN2_LO), r);
        FloatVector p = r.fma(1.9875691500E-4f, 1.3981999507E-3f);
        p = p.fma(r, c(8.3334519073E-3f));
        p = p.fma(r, c(4.1665795894E-2f));
        p = p.fma(r, c(1.6666665459E-1f));
        p = p.fma(r, c(5.0000001201E-1f));
        p = p.fma(r.mul(r), r).add(1f);
        FloatVector pow2n = big.reinterpretAsInts().add(127 - ROUND_BITS).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector y = p.mul(pow2n);
        y = y.blend(0f, x.compare(VectorOperators.LT, LO));
        return y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, HI));
    }

    /** Butterfly partners: at level j lane i meets lane i XOR (L/2^(j+1)). */
    private static final VectorShuffle<Float>[] HALVES = halves();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] halves() {
        int levels = Integer.numberOfTrailingZeros(S.length());
        VectorShuffle<Float>[] h = new VectorShuffle[levels];
        for (int j = 0, d = S.length() / 2; j < levels; j++, d /= 2) {
            int dist = d;
            h[j] = VectorShuffle.fromOp(S, i -> i ^ dist);
        }
        return h;
    }

    /**
     * Σ lanes of v in a fixed butterfly: v ← v + v[i XOR L/2], then L/4, … down to 1; lane 0 holds
     * ((v0+v8)+(v4+v12))+… for L = 16. Each step is one exact lane-wise IEEE add, so the result is the
     * same in every JIT tier.
     */
    public static float sum(FloatVector v) {
        for (VectorShuffle<Float> h : HALVES) v = v.add(v.rearrange(h));
        return v.lane(0);
    }

    private static FloatVector c(float v) { return FloatVector.broadcast(S, v); }

    /** σ(x) = 1 / (1 + e^−x). */
    static FloatVector sigmoid(FloatVector x) { return FloatVector.broadcast(S, 1f).div(exp(x.neg()).add(1f)); }

    /** x·σ(x). */
    static FloatVector silu(FloatVector x) { return x.div(exp(x.neg()).add(1f)); }

    /** tanh x = 1 − 2/(e^{2x} + 1). */
    static FloatVector tanh(FloatVector x) {
        FloatVector e = exp(x.add(x));
        return FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(e.add(1f)));
    }
}
