package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.kernels.cpu.CpuParallel;
import org.jdiffusion.tensor.Tensor;

/**
 * Walks several tensors of one shape together in the longest possible unit-stride runs: dims whose
 * strides chain for every operand (stride[d] = stride[d+1]·size[d+1], stride 0 chaining with 0) are
 * merged, so a contiguous tensor is one run and a broadcast bias [1, C, 1, 1] against [N, C, H, W]
 * gives runs of H·W with stride 0. The flat element range is cut into pieces of at least GRAIN
 * elements for the pool, across or within runs, so a single long run is parallel too.
 */
final class FastRows {
    private FastRows() {}

    /** Elements per task at least: below this the pool's hand-off costs more than the work. */
    static final int GRAIN = 1 << 15;

    @FunctionalInterface
    interface Kernel { void run(int[] offs, int[] innerStrides, int n); }

    static void forEach(int[] shape, Tensor[] ts, Kernel kernel) {
        int k = ts.length, r = shape.length;
        int[][] st = new int[k][];
        for (int j = 0; j < k; j++) st[j] = ts[j].strides();
        // merged dims, innermost first
        int[] size = new int[Math.max(1, r)];
        int[][] mst = new int[k][Math.max(1, r)];
        int dims = 0;
        long numel = 1;
        for (int d = r - 1; d >= 0; d--) {
            int s = shape[d];
            numel *= s;
            if (s == 1) continue;
            boolean chain = dims > 0;
            for (int j = 0; j < k && chain; j++) chain = st[j][d] == mst[j][dims - 1] * size[dims - 1];
            if (chain) {
                size[dims - 1] *= s;
            } else {
                size[dims] = s;
                for (int j = 0; j < k; j++) mst[j][dims] = st[j][d];
                dims++;
            }
        }
        if (numel == 0) return;
        if (dims == 0) { size[0] = 1; dims = 1; }
        int n = size[0], nd = dims;
        int[] inner = new int[k], base = new int[k];
        for (int j = 0; j < k; j++) { inner[j] = mst[j][0]; base[j] = ts[j].offset(); }
        long total = numel;
        int pieces = (int) Math.max(1, Math.min(4L * CpuParallel.threads(), total / GRAIN));
        long per = (total + pieces - 1) / pieces;
        CpuParallel.forRange(pieces, 1, (lo, hi) -> {
            int[] offs = new int[k];
            for (int piece = lo; piece < hi; piece++) {
                long e0 = piece * per, e1 = Math.min(total, e0 + per);
                while (e0 < e1) {
                    long row = e0 / n;
                    int col = (int) (e0 - row * n), len = (int) Math.min(n - col, e1 - e0);
                    long rem = row;
                    for (int j = 0; j < k; j++) offs[j] = base[j] + col * inner[j];
                    for (int d = 1; d < nd; d++) {
                        int i = (int) (rem % size[d]);
                        rem /= size[d];
                        for (int j = 0; j < k; j++) offs[j] += i * mst[j][d];
                    }
                    kernel.run(offs, inner, len);
                    e0 += len;
                }
            }
        });
    }
}
