package org.jdiffusion.bench.lab;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lab version 1 of the conv2d weight-gradient tile (production: {@code FastConvBackward.accumulate}).
 * part[o·ldp + r] += Σ_{q<cols} dy[dyBase + o·dyRs + q] · planes[base + koff[r] + q] in 4×3 tiles of
 * dot products, the last partial vector of each tile handled by a masked second copy of the loop in
 * the same method. That method is too big for C1's register allocator ("out of virtual registers");
 * when C1 gives up, the tiered policy may keep it in the non-profiling tier and C2 never compiles it,
 * so every vector op runs as a Java object: 3 s and 19 GB allocated per dW of the 3×3 64→64 conv at
 * batch 64 on one thread, against 55 ms and nothing for the production version (lab/README.md).
 */
public final class ConvWeightGradV1 {
    private ConvWeightGradV1() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    public static void accumulate(float[] dy, int dyBase, int dyRs, int og, float[] planes, int base, int[] koff, int cols,
                           float[] part, int pOff, int ldp) {
        int rr = koff.length, o4 = og - og % 4, r3 = rr - rr % 3;
        for (int o = 0; o < o4; o += 4)
            for (int r = 0; r < r3; r += 3) dot4x3(dy, dyBase + o * dyRs, dyRs, planes, base, koff, r, cols, part, pOff + o * ldp + r, ldp);
        for (int o = 0; o < og; o++)
            for (int r = (o < o4 ? r3 : 0); r < rr; r++)
                part[pOff + o * ldp + r] += dot(dy, dyBase + o * dyRs, planes, base + koff[r], cols);
    }

    private static void dot4x3(float[] dy, int d0, int dyRs, float[] pl, int base, int[] koff, int r, int cols,
                               float[] part, int pOff, int ldp) {
        int d1 = d0 + dyRs, d2 = d1 + dyRs, d3 = d2 + dyRs;
        int x0 = base + koff[r], x1 = base + koff[r + 1], x2 = base + koff[r + 2];
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S), a02 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S), a12 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S), a22 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S), a32 = FloatVector.zero(S);
        int q = 0;
        for (int end = cols - L; q <= end; q += L) {
            FloatVector v0 = FloatVector.fromArray(S, pl, x0 + q), v1 = FloatVector.fromArray(S, pl, x1 + q),
                    v2 = FloatVector.fromArray(S, pl, x2 + q);
            FloatVector y = FloatVector.fromArray(S, dy, d0 + q);
            a00 = y.fma(v0, a00); a01 = y.fma(v1, a01); a02 = y.fma(v2, a02);
            y = FloatVector.fromArray(S, dy, d1 + q);
            a10 = y.fma(v0, a10); a11 = y.fma(v1, a11); a12 = y.fma(v2, a12);
            y = FloatVector.fromArray(S, dy, d2 + q);
            a20 = y.fma(v0, a20); a21 = y.fma(v1, a21); a22 = y.fma(v2, a22);
            y = FloatVector.fromArray(S, dy, d3 + q);
            a30 = y.fma(v0, a30); a31 = y.fma(v1, a31); a32 = y.fma(v2, a32);
        }
        if (q < cols) {
            VectorMask<Float> m = S.indexInRange(q, cols);
            FloatVector v0 = FloatVector.fromArray(S, pl, x0 + q, m), v1 = FloatVector.fromArray(S, pl, x1 + q, m),
                    v2 = FloatVector.fromArray(S, pl, x2 + q, m);
            FloatVector y = FloatVector.fromArray(S, dy, d0 + q, m);
            a00 = y.fma(v0, a00); a01 = y.fma(v1, a01); a02 = y.fma(v2, a02);
            y = FloatVector.fromArray(S, dy, d1 + q, m);
            a10 = y.fma(v0, a10); a11 = y.fma(v1, a11); a12 = y.fma(v2, a12);
            y = FloatVector.fromArray(S, dy, d2 + q, m);
            a20 = y.fma(v0, a20); a21 = y.fma(v1, a21); a22 = y.fma(v2, a22);
            y = FloatVector.fromArray(S, dy, d3 + q, m);
            a30 = y.fma(v0, a30); a31 = y.fma(v1, a31); a32 = y.fma(v2, a32);
        }
        part[pOff] += org.jdiffusion.kernels.cpu.fast.VMath.sum(a00);
        part[pOff + 1] += org.jdiffusion.kernels.cpu.fast.VMath.sum(a01);
        part[pOff + 2] += org.jdiffusion.kernels.cpu.fast.VMath.sum(a02);
        pOff += ldp;
        part[pOff] += org.jdiffusion.kernels.cpu.fast.VMath.sum(a10);
        part[pOff + 1] += org.jdiffusion.kernels.cpu.fast.VMath.sum(a11);
        part[pOff + 2] += org.jdiffusion.kernels.cpu.fast.VMath.sum(a12);
        pOff += ldp;
        part[pOff] += org.jdiffusion.kernels.cpu.fast.VMath.sum(a20);
        part[pOff + 1] += org.jdiffusion.kernels.cpu.fast.VMath.sum(a21);
        part[pOff + 2] += org.jdiffusion.kernels.cpu.fast.VMath.sum(a22);
        pOff += ldp;
        part[pOff] += org.jdiffusion.kernels.cpu.fast.VMath.sum(a30);
        part[pOff + 1] += org.jdiffusion.kernels.cpu.fast.VMath.sum(a31);
        part[pOff + 2] += org.jdiffusion.kernels.cpu.fast.VMath.sum(a32);
    }

    /** Σ_{q < n} a[ai + q] · b[bi + q] with one vector accumulator pair and a masked tail. */
    static float dot(float[] a, int ai, float[] b, int bi, int n) {
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
        int q = 0;
        for (int end = n - 2 * L; q <= end; q += 2 * L) {
            s0 = FloatVector.fromArray(S, a, ai + q).fma(FloatVector.fromArray(S, b, bi + q), s0);
            s1 = FloatVector.fromArray(S, a, ai + q + L).fma(FloatVector.fromArray(S, b, bi + q + L), s1);
        }
        for (; q < n; q += L) {
            VectorMask<Float> m = S.indexInRange(q, n);
            s0 = FloatVector.fromArray(S, a, ai + q, m).fma(FloatVector.fromArray(S, b, bi + q, m), s0);
        }
        return org.jdiffusion.kernels.cpu.fast.VMath.sum(s0.add(s1));
    }
}
