package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.jdiffusion.kernels.cpu.CpuParallel;
import org.jdiffusion.tensor.ReduceOp;
import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.cpu.fast.FastMatmul.data;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.L;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.S;

/**
 * Float32 sum, max and min over any set of dims of x (copied first when not contiguous). Adjacent dims that are both
 * reduced or both kept merge, which leaves, for every case the models meet, one of
 * <pre>
 *   [R]          everything          parallel pieces, partial results combined in order
 *   [K, R]       trailing dims       one row per output, vector accumulators
 *   [R, K]       leading dims        output run += each row (vectors), parallel over column slices
 *   [K1, R, K2]  a middle dim        as [R, K] per K1
 *   [R1, K, R2]  all but a middle    conv bias gradients: out[k] = Σ_r1 Σ_r2 x[r1, k, r2]
 * </pre>
 * ({@link #handles} says whether x's layout is one of them). Partial sums of a run are float32
 * vectors with Kahan compensation (2·L lanes); runs are combined in float64. Bytes moved 4·(numel + outputs).
 */
public final class FastReduce {
    private FastReduce() {}

    private static final int SUM = 0, MAX = 1, MIN = 2;

    /** The merged groups of x (as if contiguous): sizes and whether each is reduced, outermost first. */
    private record Groups(int[] size, boolean[] reduced) {}

    private static Groups groups(Tensor x, int[] dims) {
        int r = x.dim();
        boolean[] red = new boolean[r];
        for (int d : dims) red[d] = true;
        int[] size = new int[r];
        boolean[] type = new boolean[r];
        int g = 0;
        for (int d = 0; d < r; d++) {
            if (x.size(d) == 1) continue;
            if (g > 0 && type[g - 1] == red[d]) size[g - 1] *= x.size(d);
            else { size[g] = x.size(d); type[g] = red[d]; g++; }
        }
        return new Groups(java.util.Arrays.copyOf(size, g), java.util.Arrays.copyOf(type, g));
    }

    public static boolean handles(ReduceOp op, Tensor x, int[] dims) {
        if (op.isArg() || x.numel() == 0) return false;
        return groups(x, dims).size().length <= 3;
    }

    /**
     * out (keepdim layout, any strides) ← the reduction of x over dims, for the layouts {@link #handles}
     * accepts; a non-contiguous x is first copied.
     */
    public static void reduce(ReduceOp op, Tensor x, int[] dims, Tensor out) {
        x = x.contiguous();
        int kind = op == ReduceOp.SUM ? SUM : op == ReduceOp.MAX ? MAX : MIN;
        Groups gs = groups(x, dims);
        int[] size = gs.size();
        boolean[] red = gs.reduced();
        Tensor o = out.isContiguous() ? out : Tensor.zeros(out.dtype(), out.device(), out.shape());
        float[] xs = data(x), os = data(o);
        int xb = x.offset(), ob = o.offset();
        int g = size.length;
        if (g == 0) {
            os[ob] = xs[xb];
        } else if (g == 1 && !red[0]) {
            System.arraycopy(xs, xb, os, ob, size[0]);
        } else if (g == 1) {
            os[ob] = all(kind, xs, xb, size[0]);
        } else if (g == 2 && !red[0]) {
            int n = size[1];
            CpuParallel.forRange(size[0], Math.max(1, FastRows.GRAIN / n), (lo, hi) -> {
                for (int k = lo; k < hi; k++) os[ob + k] = (float) run(kind, xs, xb + k * n, n);
            });
        } else if (g == 2 || !red[0]) {
            int k1 = g == 3 ? size[0] : 1, rr = size[g - 2], k2 = size[g - 1];
            int slice = Math.max(4 * L, Math.min(k2, (int) Math.max(L, (long) FastRows.GRAIN / Math.max(1, rr))));
            int slices = (k2 + slice - 1) / slice;
            CpuParallel.forRange(k1 * slices, 1, (lo, hi) -> {
                for (int t = lo; t < hi; t++) {
                    int a = t / slices, j0 = (t % slices) * slice;
                    columns(kind, xs, xb + a * rr * k2, rr, k2, j0, Math.min(k2, j0 + slice), os, ob + a * k2);
                }
            });
        } else {
            int r1 = size[0], k = size[1], r2 = size[2];
            CpuParallel.forRange(k, Math.max(1, FastRows.GRAIN / (r1 * r2)), (lo, hi) -> {
                for (int c = lo; c < hi; c++) {
                    double acc = start(kind);
                    for (int i = 0; i < r1; i++) acc = combine(kind, acc, run(kind, xs, xb + (i * k + c) * r2, r2));
                    os[ob + c] = (float) acc;
                }
            });
        }
        if (o != out) out.copyFrom(o);
    }

    private static double start(int kind) {
        return kind == SUM ? 0 : kind == MAX ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }

    private static double combine(int kind, double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b)) return kind == SUM ? a + b : Double.NaN;
        return kind == SUM ? a + b : kind == MAX ? Math.max(a, b) : Math.min(a, b);
    }

    /** A whole contiguous range in parallel pieces, combined in piece order. */
    private static float all(int kind, float[] xs, int xb, int n) {
        int pieces = (int) Math.max(1, Math.min(4L * CpuParallel.threads(), n / FastRows.GRAIN));
        int per = (n + pieces - 1) / pieces;
        double[] part = new double[pieces];
        CpuParallel.forRange(pieces, 1, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int a = t * per, b = Math.min(n, a + per);
                part[t] = a < b ? run(kind, xs, xb + a, b - a) : start(kind);
            }
        });
        double acc = start(kind);
        for (double p : part) acc = combine(kind, acc, p);
        return (float) acc;
    }

    /** The reduction of xs[off, off + n) in float64 (vector partials, then a scalar tail). */
    static double run(int kind, float[] xs, int off, int n) {
        return kind == SUM ? sumRun(xs, off, n) : extremumRun(kind == MAX, xs, off, n);
    }

    /** Σ xs[off, off + n): compensated (Kahan) vector lanes, so the error stays at a few ulp however long the run. */
    private static double sumRun(float[] xs, int off, int n) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, c0 = s0, c1 = s0;
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            FloatVector y0 = FloatVector.fromArray(S, xs, off + i).sub(c0), y1 = FloatVector.fromArray(S, xs, off + i + L).sub(c1);
            FloatVector t0 = s0.add(y0), t1 = s1.add(y1);
            c0 = t0.sub(s0).sub(y0);
            c1 = t1.sub(s1).sub(y1);
            s0 = t0;
            s1 = t1;
        }
        double acc = (double) VMath.sum(s0) + VMath.sum(s1)
                - VMath.sum(c0) - VMath.sum(c1);
        for (; i < n; i++) acc += xs[off + i];
        return acc;
    }

    /** max (or min) of xs[off, off + n), NaN if any element is NaN. */
    private static double extremumRun(boolean max, float[] xs, int off, int n) {
        FloatVector s = FloatVector.broadcast(S, max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector a = FloatVector.fromArray(S, xs, off + i);
            s = max ? s.max(a) : s.min(a);
        }
        double acc = s.reduceLanes(max ? VectorOperators.MAX : VectorOperators.MIN);
        if (s.test(VectorOperators.IS_NAN).anyTrue()) acc = Double.NaN;
        for (; i < n; i++) acc = combine(max ? MAX : MIN, acc, xs[off + i]);
        return acc;
    }

    /** out[j] = reduce_r x[r, j] for j in [j0, j1) of x [rr, k2] at xb (rows of k2). */
    private static void columns(int kind, float[] xs, int xb, int rr, int k2, int j0, int j1, float[] os, int ob) {
        int j = kind == SUM ? sumColumns(xs, xb, rr, k2, j0, j1, os, ob) : extremumColumns(kind == MAX, xs, xb, rr, k2, j0, j1, os, ob);
        for (; j < j1; j++) {
            double acc = start(kind);
            for (int r = 0, p = xb + j; r < rr; r++, p += k2) acc = combine(kind, acc, xs[p]);
            os[ob + j] = (float) acc;
        }
    }

    /** The whole vectors of {@link #columns} for sums (compensated); returns the first column not done. */
    private static int sumColumns(float[] xs, int xb, int rr, int k2, int j0, int j1, float[] os, int ob) {
        int j = j0;
        for (; j <= j1 - L; j += L) {
            FloatVector acc = FloatVector.fromArray(S, xs, xb + j), comp = FloatVector.zero(S);
            for (int r = 1, p = xb + k2 + j; r < rr; r++, p += k2) {
                FloatVector y = FloatVector.fromArray(S, xs, p).sub(comp), t = acc.add(y);
                comp = t.sub(acc).sub(y);
                acc = t;
            }
            acc.sub(comp).intoArray(os, ob + j);
        }
        return j;
    }

    /** The whole vectors of {@link #columns} for max or min; returns the first column not done. */
    private static int extremumColumns(boolean max, float[] xs, int xb, int rr, int k2, int j0, int j1, float[] os, int ob) {
        int j = j0;
        for (; j <= j1 - L; j += L) {
            FloatVector acc = FloatVector.fromArray(S, xs, xb + j);
            for (int r = 1, p = xb + k2 + j; r < rr; r++, p += k2) {
                FloatVector v = FloatVector.fromArray(S, xs, p);
                acc = max ? acc.max(v) : acc.min(v);
            }
            acc.intoArray(os, ob + j);
        }
        return j;
    }
}
