package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The inner pieces of every fast float32 product: packing into panels and the register-tiled
 * micro-kernel (Goto and van de Geijn, "Anatomy of high-performance matrix multiplication", 2008).
 * <pre>
 *   Ã  [mc × kc] as ⌈mc/MR⌉ panels, panel ip at ip·MR·kc, element (r, p) at p·MR + r  (rows past mc are 0)
 *   B̃  [kc × nc] as ⌈nc/NR⌉ panels, panel jp at jp·NR·kc, element (p, j) at p·NR + j  (columns past nc are 0)
 *   C  [mc × nc] row-major with leading dimension ldc
 * </pre>
 * The micro-kernel keeps an MR × NR tile of C in 12 vector registers (MR = 6 rows, NR = 2 vectors)
 * and per step p loads two vectors of B̃, broadcasts six values of Ã and issues 12 FMAs. FLOPs per
 * tile 2·MR·NR·kc; bytes per tile 4·kc·(MR + NR) from L1/L2. The species is chosen once
 * ({@code SPECIES_PREFERRED}: 16 lanes with AVX-512, 8 with AVX2).
 */
final class GemmKernel {
    private GemmKernel() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final int MR = 6, NR = 2 * L;

    static int roundUp(int x, int m) { return (x + m - 1) / m * m; }

    /**
     * C[0:mc, 0:nc] = (acc ? C : 0) + Ã·B̃ with the panels laid out as in the class comment, B̃
     * panels starting at bp[bOff], Ã panels at ap[aOff]. Edge tiles go through a scratch tile.
     */
    static void macro(int mc, int nc, int kc, float[] ap, int aOff, float[] bp, int bOff,
                      float[] c, int cOff, int ldc, boolean acc) {
        // an MR panel of Ã stays in L1 while the NR panels of B̃ stream from L2
        for (int i = 0; i < mc; i += MR) {
            int mr = Math.min(MR, mc - i), ao = aOff + (i / MR) * MR * kc;
            for (int j = 0; j < nc; j += NR) {
                int nr = Math.min(NR, nc - j), bo = bOff + (j / NR) * NR * kc;
                if (mr == MR && nr == NR) kernel(kc, ap, ao, bp, bo, c, cOff + i * ldc + j, ldc, acc);
                else edge(kc, ap, ao, bp, bo, c, cOff + i * ldc + j, ldc, acc, mr, nr);
            }
        }
    }

    /**
     * The MR × NR register tile: C[0:6, 0:NR] (+)= Σ_p Ã[:, p] ⊗ B̃[p, :]. Written out flat, with no
     * helper taking vectors as arguments: a call the JIT declines to inline would box the vectors.
     */
    static void kernel(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc, boolean acc) {
        int o1 = cOff + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc;
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (acc) {
            c00 = FloatVector.fromArray(S, c, cOff); c01 = FloatVector.fromArray(S, c, cOff + L);
            c10 = FloatVector.fromArray(S, c, o1); c11 = FloatVector.fromArray(S, c, o1 + L);
            c20 = FloatVector.fromArray(S, c, o2); c21 = FloatVector.fromArray(S, c, o2 + L);
            c30 = FloatVector.fromArray(S, c, o3); c31 = FloatVector.fromArray(S, c, o3 + L);
            c40 = FloatVector.fromArray(S, c, o4); c41 = FloatVector.fromArray(S, c, o4 + L);
            c50 = FloatVector.fromArray(S, c, o5); c51 = FloatVector.fromArray(S, c, o5 + L);
        } else {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = FloatVector.zero(S);
        }
        for (int p = 0, ai = aOff, bi = bOff; p < kc; p++, ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L);
        c10.intoArray(c, o1); c11.intoArray(c, o1 + L);
        c20.intoArray(c, o2); c21.intoArray(c, o2 + L);
        c30.intoArray(c, o3); c31.intoArray(c, o3 + L);
        c40.intoArray(c, o4); c41.intoArray(c, o4 + L);
        c50.intoArray(c, o5); c51.intoArray(c, o5 + L);
    }

    /** A partial tile (mr < MR or nr < NR): the full tile into scratch, then its valid part into C. */
    private static void edge(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc,
                             boolean acc, int mr, int nr) {
        float[] t = Scratch.get(Scratch.Slot.GEMM_TILE, MR * NR);
        kernel(kc, ap, aOff, bp, bOff, t, 0, NR, false);
        for (int i = 0; i < mr; i++) {
            int ci = cOff + i * ldc, ti = i * NR;
            if (acc) for (int j = 0; j < nr; j++) c[ci + j] += t[ti + j];
            else System.arraycopy(t, ti, c, ci, nr);
        }
    }

    /**
     * Ã ← A[0:mc, 0:kc] where A(i, p) = a[aOff + i·aRs + p·aCs]; the loop order follows whichever
     * stride of A is 1, so reads are sequential for row-major and transposed A alike.
     */
    static void packA(float[] a, int aOff, int aRs, int aCs, int mc, int kc, float[] ap, int apOff) {
        for (int ip = 0; ip < mc; ip += MR) {
            int base = apOff + (ip / MR) * MR * kc, rows = Math.min(MR, mc - ip);
            if (aCs == 1 || aRs != 1) {
                for (int r = 0; r < rows; r++)
                    for (int p = 0, src = aOff + (ip + r) * aRs, d = base + r; p < kc; p++, src += aCs, d += MR) ap[d] = a[src];
            } else {
                for (int p = 0; p < kc; p++)
                    for (int r = 0, src = aOff + ip + p * aCs, d = base + p * MR; r < rows; r++) ap[d + r] = a[src + r];
            }
            for (int r = rows; r < MR; r++)
                for (int p = 0, d = base + r; p < kc; p++, d += MR) ap[d] = 0f;
        }
    }

    /** B̃ ← B[0:kc, 0:nc] where B(p, j) = b[bOff + p·bRs + j·bCs], read along its unit stride. */
    static void packB(float[] b, int bOff, int bRs, int bCs, int kc, int nc, float[] bp, int bpOff) {
        for (int j0 = 0; j0 < nc; j0 += NR) {
            int base = bpOff + (j0 / NR) * NR * kc, cols = Math.min(NR, nc - j0);
            if (bCs == 1) {
                for (int p = 0, src = bOff + j0, d = base; p < kc; p++, src += bRs, d += NR) {
                    System.arraycopy(b, src, bp, d, cols);
                    if (cols < NR) java.util.Arrays.fill(bp, d + cols, d + NR, 0f);
                }
            } else {
                if (cols < NR)
                    for (int p = 0, d = base; p < kc; p++, d += NR) java.util.Arrays.fill(bp, d + cols, d + NR, 0f);
                for (int j = 0; j < cols; j++)
                    for (int p = 0, src = bOff + (j0 + j) * bCs, d = base + j; p < kc; p++, src += bRs, d += NR) bp[d] = b[src];
            }
        }
    }
}
