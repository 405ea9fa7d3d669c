package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.kernels.cpu.CpuParallel;

import static org.jdiffusion.kernels.cpu.fast.GemmKernel.MR;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.NR;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.roundUp;

/**
 * Single-precision GEMM with the Vector API: C[M, N] (+)= A[M, K] · B[K, N] for operands with any
 * row/column strides (so every transpose is free), in the Goto/BLIS loop structure:
 * <pre>
 *   for jc in N step NC:                 B[pc:pc+kc, jc:jc+NC] packed into NR-wide panels (L2)
 *     for pc in K step kc:
 *       for ic in M step MC:             A[ic:ic+MC, pc:pc+kc] packed into MR-tall panels
 *         GemmKernel.macro                per MR panel of Ã (L1), every NR panel of B̃: MR×NR register tiles
 * </pre>
 * The parallel form cuts C into rectangles of whole panels, one serial GEMM each, over the
 * {@link CpuParallel} pool; the serial form runs on the calling thread (for callers that are already
 * parallel over a batch). FLOPs 2·M·N·K; bytes moved ≈ 4·(M·K·⌈N/NC⌉ + K·N·⌈M/Mtask⌉ + 2·M·N·⌈K/kc⌉).
 * Packed blocks live in the {@link Scratch} pool: no allocation once warm.
 */
public final class VectorGemm {
    private VectorGemm() {}

    /**
     * Cache blocks: a kc×NC block of B̃ (≤ 768 KiB) stays in L2 while an MR×kc panel of Ã (≤ 12 KiB)
     * stays in L1 across it (see {@link GemmKernel#macro}); measured best among KC 128..512, NC 192..384
     * on Zen 4 (bench/.../bench/lab/README.md).
     */
    static final int KC = 512, MC = 96, NC = 384;

    /** Work (M·N·K) below which the parallel form runs serially: splitting would cost more. */
    private static final long SERIAL_WORK = 1L << 18;

    /**
     * C[i·ldc + j + cOff] = (accumulate ? C : 0) + Σ_p A[aOff + i·aRs + p·aCs] · B[bOff + p·bRs + j·bCs],
     * in parallel over the pool.
     */
    public static void sgemm(int m, int n, int k,
                             float[] a, int aOff, int aRs, int aCs,
                             float[] b, int bOff, int bRs, int bCs,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        if (m == 0 || n == 0) return;
        int threads = CpuParallel.threads();
        if (threads == 1 || (long) m * n * k < SERIAL_WORK) {
            sgemmSerial(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
            return;
        }
        // rectangles of C: about 4 per thread, cut along whichever side leaves the squarer pieces
        int want = 4 * threads;
        int mPanels = (m + MR - 1) / MR, nPanels = (n + NR - 1) / NR;
        int mParts = 1, nParts = 1;
        while (mParts * nParts < want) {
            boolean cutM = (double) mPanels * MR / (mParts + 1) >= (double) nPanels * NR / (nParts + 1);
            if (cutM && mParts < mPanels) mParts++;
            else if (nParts < nPanels) nParts++;
            else if (mParts < mPanels) mParts++;
            else break;
        }
        int mStep = (mPanels + mParts - 1) / mParts * MR, nStep = (nPanels + nParts - 1) / nParts * NR;
        int mTasks = (m + mStep - 1) / mStep, nTasks = (n + nStep - 1) / nStep;
        CpuParallel.forRange(mTasks * nTasks, 1, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int i0 = (t / nTasks) * mStep, j0 = (t % nTasks) * nStep;
                sgemmSerial(Math.min(mStep, m - i0), Math.min(nStep, n - j0), k,
                        a, aOff + i0 * aRs, aRs, aCs, b, bOff + j0 * bCs, bRs, bCs,
                        c, cOff + i0 * ldc + j0, ldc, accumulate);
            }
        });
    }

    /** The same product on the calling thread only. */
    public static void sgemmSerial(int m, int n, int k,
                                   float[] a, int aOff, int aRs, int aCs,
                                   float[] b, int bOff, int bRs, int bCs,
                                   float[] c, int cOff, int ldc, boolean accumulate) {
        if (m == 0 || n == 0) return;
        if (k == 0) {
            if (!accumulate) for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            return;
        }
        int kc = blockK(k), mc = Math.min(MC, m), nc = Math.min(NC, n);
        float[] ap = Scratch.get(Scratch.Slot.GEMM_A, roundUp(mc, MR) * kc);
        float[] bp = Scratch.get(Scratch.Slot.GEMM_B, roundUp(nc, NR) * kc);
        for (int j0 = 0; j0 < n; j0 += NC) {
            int ncb = Math.min(NC, n - j0);
            for (int p0 = 0; p0 < k; p0 += kc) {
                int kcb = Math.min(kc, k - p0);
                GemmKernel.packB(b, bOff + p0 * bRs + j0 * bCs, bRs, bCs, kcb, ncb, bp, 0);
                for (int i0 = 0; i0 < m; i0 += MC) {
                    int mcb = Math.min(MC, m - i0);
                    GemmKernel.packA(a, aOff + i0 * aRs + p0 * aCs, aRs, aCs, mcb, kcb, ap, 0);
                    GemmKernel.macro(mcb, ncb, kcb, ap, 0, bp, 0, c, cOff + i0 * ldc + j0, ldc, accumulate || p0 > 0);
                }
            }
        }
    }

    /** The K block: K cut into ⌈K/KC⌉ equal pieces (so no thin last block). */
    static int blockK(int k) {
        int blocks = (k + KC - 1) / KC;
        return (k + blocks - 1) / blocks;
    }
}
