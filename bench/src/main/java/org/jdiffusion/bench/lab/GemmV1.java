package org.jdiffusion.bench.lab;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jdiffusion.kernels.cpu.CpuParallel;

/**
 * Lab version 1 of the sgemm (kept for comparison; production is {@code VectorGemm}). Single-precision GEMM with the Vector API: C[M, N] (+)= A[M, K] · B[K, N] for operands with any
 * row/column strides (so transposes are free), in the Goto/BLIS structure:
 * <pre>
 *   for pc in K step KC:                       B[pc:pc+KC, :] packed into NR-wide column panels
 *     for (ic, jc) tiles in parallel:          A[ic:ic+MC, pc:pc+KC] packed into MR-tall row panels
 *       for each NR panel, each MR panel:      MR×NR register tile: C += Ã · B̃  (6 × 2 vectors)
 * </pre>
 * FLOPs 2·M·N·K; bytes moved ≈ 4·(M·K·⌈N/NC⌉ + K·N + 2·M·N·⌈K/KC⌉). Edge tiles go through a small
 * scratch tile, so any M, N, K work.
 */
public final class GemmV1 {
    private GemmV1() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Register tile: MR rows × NR = 2 vectors of columns. */
    static final int MR = 6, NR = 2 * L;
    /** Cache blocks: KC rows of B stay in L2 while an MC×KC block of A streams through L1. */
    static final int KC = 256, MC = 72, NC_TILE = 8 * NR;

    private static final ThreadLocal<float[]> A_BUF = ThreadLocal.withInitial(() -> new float[MC * KC]);
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[MR * NR]);

    /**
     * C[i·ldc + j + cOff] = (accumulate ? C : 0) + Σ_p A[aOff + i·aRs + p·aCs] · B[bOff + p·bRs + j·bCs].
     */
    public static void sgemm(int m, int n, int k,
                             float[] a, int aOff, int aRs, int aCs,
                             float[] b, int bOff, int bRs, int bCs,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        if (m == 0 || n == 0) return;
        if (k == 0) {
            if (!accumulate) for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            return;
        }
        int nPanels = (n + NR - 1) / NR;
        float[] bp = new float[nPanels * NR * Math.min(k, KC)];
        int mBlocks = (m + MC - 1) / MC, nTiles = (n + NC_TILE - 1) / NC_TILE;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            final int p0 = pc;
            final boolean acc = accumulate || pc > 0;
            CpuParallel.forRange(nPanels, Math.max(1, 64 / Math.max(1, kc / 16)), (lo, hi) -> {
                for (int jp = lo; jp < hi; jp++) packB(b, bOff, bRs, bCs, p0, kc, jp * NR, n, bp, jp * NR * kc);
            });
            CpuParallel.forRange(mBlocks * nTiles, 1, (lo, hi) -> {
                float[] ap = A_BUF.get();
                int packedBlock = -1;
                for (int task = lo; task < hi; task++) {
                    int ib = task / nTiles, jt = task % nTiles;
                    int i0 = ib * MC, mc = Math.min(MC, m - i0);
                    if (packedBlock != ib) {
                        packA(a, aOff, aRs, aCs, i0, mc, p0, kc, ap);
                        packedBlock = ib;
                    }
                    int j0 = jt * NC_TILE, j1 = Math.min(n, j0 + NC_TILE);
                    for (int j = j0; j < j1; j += NR) {
                        int nr = Math.min(NR, n - j);
                        int bpOff = (j / NR) * NR * kc;
                        for (int i = 0; i < mc; i += MR) {
                            int mr = Math.min(MR, mc - i);
                            int apOff = (i / MR) * MR * kc;
                            int cTile = cOff + (i0 + i) * ldc + j;
                            if (mr == MR && nr == NR) kernel6x2(kc, ap, apOff, bp, bpOff, c, cTile, ldc, acc);
                            else edge(kc, ap, apOff, bp, bpOff, c, cTile, ldc, acc, mr, nr);
                        }
                    }
                }
            });
        }
    }

    /** Ã panel layout: for each MR-row panel, for p in 0..kc: MR consecutive values (rows past mc are 0). */
    static void packA(float[] a, int aOff, int aRs, int aCs, int i0, int mc, int p0, int kc, float[] ap) {
        for (int ip = 0; ip < mc; ip += MR) {
            int base = (ip / MR) * MR * kc;
            int rows = Math.min(MR, mc - ip);
            for (int r = 0; r < MR; r++) {
                if (r >= rows) {
                    for (int p = 0; p < kc; p++) ap[base + p * MR + r] = 0f;
                    continue;
                }
                int src = aOff + (i0 + ip + r) * aRs + p0 * aCs;
                for (int p = 0; p < kc; p++, src += aCs) ap[base + p * MR + r] = a[src];
            }
        }
    }

    /** B̃ panel layout: for p in 0..kc: NR consecutive values of row p (columns past n are 0). */
    static void packB(float[] b, int bOff, int bRs, int bCs, int p0, int kc, int j0, int n, float[] bp, int dst) {
        int cols = Math.min(NR, n - j0);
        for (int p = 0; p < kc; p++) {
            int src = bOff + (p0 + p) * bRs + j0 * bCs, d = dst + p * NR;
            if (bCs == 1) {
                System.arraycopy(b, src, bp, d, cols);
            } else {
                for (int j = 0; j < cols; j++) bp[d + j] = b[src + j * bCs];
            }
            for (int j = cols; j < NR; j++) bp[d + j] = 0f;
        }
    }

    /** The 6 × (2·L) register tile: 12 accumulators, 2 B vectors and one broadcast per FMA pair. */
    static void kernel6x2(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc, boolean acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
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
        store(c00, c01, c, cOff, acc);
        store(c10, c11, c, cOff + ldc, acc);
        store(c20, c21, c, cOff + 2 * ldc, acc);
        store(c30, c31, c, cOff + 3 * ldc, acc);
        store(c40, c41, c, cOff + 4 * ldc, acc);
        store(c50, c51, c, cOff + 5 * ldc, acc);
    }

    private static void store(FloatVector v0, FloatVector v1, float[] c, int off, boolean acc) {
        if (acc) {
            v0 = v0.add(FloatVector.fromArray(S, c, off));
            v1 = v1.add(FloatVector.fromArray(S, c, off + L));
        }
        v0.intoArray(c, off);
        v1.intoArray(c, off + L);
    }

    /** A partial tile (mr < MR or nr < NR): full tile into scratch, then the valid part into C. */
    private static void edge(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc,
                             boolean acc, int mr, int nr) {
        float[] t = TILE.get();
        kernel6x2(kc, ap, aOff, bp, bOff, t, 0, NR, false);
        for (int i = 0; i < mr; i++)
            for (int j = 0; j < nr; j++) {
                int ci = cOff + i * ldc + j;
                c[ci] = acc ? c[ci] + t[i * NR + j] : t[i * NR + j];
            }
    }
}
