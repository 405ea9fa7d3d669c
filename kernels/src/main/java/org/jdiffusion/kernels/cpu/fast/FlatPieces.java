package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.kernels.cpu.CpuParallel;
import org.jdiffusion.tensor.Tensor;

import java.util.List;

/**
 * The elements of many tensors laid end to end (position 0's first) and cut into equal pieces that
 * run in parallel; each piece visits the runs [from, to) of the positions it covers. The cut
 * depends on the thread count, so a kernel run on these pieces must compute every element the same
 * way wherever a cut falls (vector body and scalar tail bit-identical) to give one result for any
 * number of threads.
 */
final class FlatPieces {
    private FlatPieces() {}

    @FunctionalInterface
    interface Run { void run(int position, int from, int to); }

    /** The pieces the pool runs for {@code total} elements: about four per thread, at least GRAIN elements each. */
    static int pieces(long total) { return (int) Math.max(1, Math.min(4L * CpuParallel.threads(), total / FastRows.GRAIN)); }

    static long total(List<Tensor> ts) {
        long n = 0;
        for (Tensor t : ts) n += t.numel();
        return n;
    }

    /** Runs body over every element of ts, cut into {@code pieces} pieces (a multiple of the vector length each but the last). */
    static void run(List<Tensor> ts, int pieces, Run body) {
        int count = ts.size();
        long[] start = new long[count + 1];
        for (int i = 0; i < count; i++) start[i + 1] = start[i] + ts.get(i).numel();
        long total = start[count];
        if (total == 0) return;
        long per = (total + pieces - 1) / pieces;
        long per2 = (per + GemmKernel.L - 1) / GemmKernel.L * GemmKernel.L;
        int used = (int) ((total + per2 - 1) / per2);
        CpuParallel.forRange(used, 1, (lo, hi) -> {
            for (int piece = lo; piece < hi; piece++) {
                long e0 = piece * per2, e1 = Math.min(total, e0 + per2);
                int i = java.util.Arrays.binarySearch(start, e0);
                i = i >= 0 ? i : -i - 2;
                for (; e0 < e1; i++) {
                    if (start[i + 1] <= e0) continue;                      // empty positions
                    int a = (int) (e0 - start[i]), b = (int) (Math.min(e1, start[i + 1]) - start[i]);
                    body.run(i, a, b);
                    e0 = start[i] + b;
                }
            }
        });
    }
}
