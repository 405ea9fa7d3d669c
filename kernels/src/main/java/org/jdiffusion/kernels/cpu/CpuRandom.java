package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Philox;
import org.jdiffusion.tensor.Tensor;

/** Fills a tensor from the Philox stream: element i (row-major) takes counter offset + i ({@link Philox#value}). */
final class CpuRandom {
    private CpuRandom() {}

    static void fill(Philox.Distribution dist, long seed, long offset, double a, double b, Tensor out) {
        if (out.dtype().isHalf())   // Rand rejects them: a float64 draw rounded to 16 bits could leave (a, b)
            throw new IllegalArgumentException("random: draws float32, float64 or int64, not " + out.dtype() + " (draw in float32 and cast)");
        HostStorage o = (HostStorage) out.storage();
        int[] shape = out.shape();
        int n = out.dim() == 0 ? 1 : shape[shape.length - 1];
        Strided.rows(shape, new Tensor[]{out}, (offs, st, len) -> {
            // row-major element index of this row's first element, recovered from the output offset
            int first = linearIndex(out, offs[0]);
            int[] scratch = new int[4];
            for (int i = 0, p = offs[0]; i < len; i++, p += st[0]) {
                double v = Philox.value(dist, out.dtype(), seed, offset + first + i, a, b, scratch);
                if (o instanceof HostStorage.I64 l) l.data()[p] = (long) v;
                else o.set(p, v);
            }
        });
    }

    /** Row-major index of the element at storage offset p of t (t has non-overlapping strides). */
    private static int linearIndex(Tensor t, int p) {
        int[] sh = t.shape(), st = t.strides();
        int rem = p - t.offset();
        // walk dims from the largest stride down
        Integer[] order = new Integer[sh.length];
        for (int i = 0; i < sh.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (x, y) -> Integer.compare(st[y], st[x]));
        int[] idx = new int[sh.length];
        for (int d : order) {
            if (st[d] == 0 || sh[d] == 1) continue;
            idx[d] = rem / st[d];
            rem -= idx[d] * st[d];
        }
        int lin = 0;
        for (int d = 0; d < sh.length; d++) lin = lin * sh[d] + idx[d];
        return lin;
    }
}
