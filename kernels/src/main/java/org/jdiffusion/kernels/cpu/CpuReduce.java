package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.ReduceOp;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

/**
 * Reference reductions. x [kept..., reduced...] after moving the reduced dims last; each output
 * element walks its reduced block in row-major order, accumulating in float64 (int64 exactly, in long).
 * Bytes moved: numel(x) + numel(out) elements.
 */
final class CpuReduce {
    private CpuReduce() {}

    static void reduce(ReduceOp op, Tensor x, int[] dims, Tensor out) {
        int r = x.dim();
        boolean[] red = new boolean[r];
        for (int d : dims) red[d] = true;
        int[] perm = new int[r];
        int k = 0;
        for (int d = 0; d < r; d++) if (!red[d]) perm[k++] = d;
        int kept = k;
        for (int d : dims) perm[k++] = d;
        Tensor xp = x.permute(perm);
        int[] sh = xp.shape(), st = xp.strides();
        int[] keptShape = java.util.Arrays.copyOf(sh, kept), keptStrides = java.util.Arrays.copyOf(st, kept);
        int[] redShape = java.util.Arrays.copyOfRange(sh, kept, r), redStrides = java.util.Arrays.copyOfRange(st, kept, r);
        int outer = Shapes.numel(keptShape), inner = Shapes.numel(redShape);
        // out is dense in the order of its kept dims (size-1 reduced dims do not move offsets)
        Tensor outKept = out.permute(perm);
        int[] outStrides = java.util.Arrays.copyOf(outKept.strides(), kept);
        HostStorage xs = (HostStorage) x.storage(), os = (HostStorage) out.storage();
        long[] lx = xs instanceof HostStorage.I64 l ? l.data() : null;    // int64 reduces exactly in long
        CpuParallel.forRange(outer, Math.max(1, 8192 / Math.max(inner, 1)), (lo, hi) -> {
            int[] idx = new int[redShape.length];
            for (int o = lo; o < hi; o++) {
                int base = x.offset(), obase = out.offset(), rem = o;
                for (int d = kept - 1; d >= 0; d--) {
                    int i = rem % keptShape[d];
                    rem /= keptShape[d];
                    base += i * keptStrides[d];
                    obase += i * outStrides[d];
                }
                java.util.Arrays.fill(idx, 0);
                double acc = switch (op) {
                    case SUM -> 0;
                    case MAX, ARGMAX -> Double.NEGATIVE_INFINITY;
                    case MIN, ARGMIN -> Double.POSITIVE_INFINITY;
                };
                long lacc = switch (op) {
                    case SUM -> 0;
                    case MAX, ARGMAX -> Long.MIN_VALUE;
                    case MIN, ARGMIN -> Long.MAX_VALUE;
                };
                int arg = 0;
                boolean nan = false;
                int off = base;
                for (int j = 0; j < inner; j++) {
                    if (lx != null) {
                        long v = lx[off];
                        switch (op) {
                            case SUM -> lacc += v;
                            case MAX -> lacc = Math.max(lacc, v);
                            case MIN -> lacc = Math.min(lacc, v);
                            case ARGMAX -> { if (v > lacc || j == 0) { lacc = v; arg = j; } }
                            case ARGMIN -> { if (v < lacc || j == 0) { lacc = v; arg = j; } }
                        }
                    } else {
                        double v = xs.get(off);
                        switch (op) {
                            case SUM -> acc += v;
                            case MAX -> acc = Double.isNaN(v) || nan ? Double.NaN : Math.max(acc, v);
                            case MIN -> acc = Double.isNaN(v) || nan ? Double.NaN : Math.min(acc, v);
                            case ARGMAX -> { if (!nan && (v > acc || Double.isNaN(v) || j == 0)) { acc = v; arg = j; } }
                            case ARGMIN -> { if (!nan && (v < acc || Double.isNaN(v) || j == 0)) { acc = v; arg = j; } }
                        }
                        if (Double.isNaN(v)) nan = true;
                    }
                    for (int d = redShape.length - 1; d >= 0; d--) {
                        if (++idx[d] < redShape[d]) { off += redStrides[d]; break; }
                        off -= redStrides[d] * (redShape[d] - 1);
                        idx[d] = 0;
                    }
                }
                if (op.isArg()) os.set(obase, arg);
                else if (lx != null) ((HostStorage.I64) os).data()[obase] = lacc;
                else os.set(obase, acc);
            }
        });
    }
}
