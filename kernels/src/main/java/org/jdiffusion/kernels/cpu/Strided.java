package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

/**
 * Walks several tensors of one shape together. The shape is split into "rows" (all dims but the
 * last) and one inner run; for each row the kernel gets the storage offset of every operand and
 * their inner strides, so its inner loop is a plain strided loop.
 */
final class Strided {
    private Strided() {}

    @FunctionalInterface
    interface RowKernel { void row(int[] offsets, int[] innerStrides, int n); }

    /** Runs kernel over every row of {@code shape} for operands ts (all of that shape), rows in parallel. */
    static void rows(int[] shape, Tensor[] ts, RowKernel kernel) {
        int r = shape.length;
        int n = r == 0 ? 1 : shape[r - 1];
        int rows = n == 0 ? 0 : Shapes.numel(shape) / n;
        int k = ts.length;
        int[][] strides = new int[k][];
        int[] inner = new int[k];
        for (int j = 0; j < k; j++) {
            strides[j] = ts[j].strides();
            inner[j] = r == 0 ? 0 : strides[j][r - 1];
        }
        int grain = Math.max(1, 16384 / Math.max(n, 1));
        CpuParallel.forRange(rows, grain, (lo, hi) -> {
            int[] offs = new int[k];
            for (int row = lo; row < hi; row++) {
                int rem = row;
                for (int j = 0; j < k; j++) offs[j] = ts[j].offset();
                for (int d = r - 2; d >= 0; d--) {
                    int i = rem % shape[d];
                    rem /= shape[d];
                    for (int j = 0; j < k; j++) offs[j] += i * strides[j][d];
                }
                kernel.row(offs, inner, n);
            }
        });
    }
}
