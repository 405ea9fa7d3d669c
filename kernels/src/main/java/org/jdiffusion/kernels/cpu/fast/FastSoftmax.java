package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.jdiffusion.kernels.cpu.CpuParallel;
import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.cpu.fast.FastMatmul.data;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.L;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.S;

/**
 * Float32 softmax and log-softmax along one dim, forward and backward, with x viewed as
 * [outer, len, inner] (contiguous; other layouts are copied first). For inner = 1 each row of len is
 * one run: max, then e^(x−m) with its sum, then the scale (three passes over a row in L1). For
 * inner > 1 the same passes run down the columns, vectorised across inner.
 * Math as the reference: y = e^(x−m)/Σe^(x−m), log y = x − m − log Σe^(x−m); dX = y⊙(dY − Σ dY⊙y) or
 * dY − e^y·Σ dY. Cost for E elements: forward ≈ 5E FLOPs + E exp, 8E bytes; backward 4E FLOPs, 12E bytes.
 */
public final class FastSoftmax {
    private FastSoftmax() {}

    public static void forward(Tensor x, int dim, boolean log, Tensor out) {
        x = x.contiguous();
        Tensor o = out.isContiguous() ? out : Tensor.zeros(out.dtype(), out.device(), out.shape());
        int len = x.dim() == 0 ? 1 : x.size(dim), inner = innerSize(x, dim), outer = x.numel() / Math.max(1, len * inner);
        float[] xs = data(x), os = data(o);
        int xo = x.offset(), oo = o.offset();
        if (inner == 1) {
            CpuParallel.forRange(outer, Math.max(1, FastRows.GRAIN / Math.max(1, len)), (lo, hi) -> {
                for (int r = lo; r < hi; r++) row(xs, xo + r * len, os, oo + r * len, len, log);
            });
        } else {
            CpuParallel.forRange(outer, Math.max(1, FastRows.GRAIN / Math.max(1, len * inner)), (lo, hi) -> {
                float[] m = Scratch.get(Scratch.Slot.ROW, inner), s = Scratch.get(Scratch.Slot.ROW2, inner);
                for (int b = lo; b < hi; b++) columns(xs, xo + b * len * inner, os, oo + b * len * inner, len, inner, log, m, s);
            });
        }
        if (o != out) out.copyFrom(o);
    }

    public static void backward(Tensor dY, Tensor y, int dim, boolean log, Tensor dX) {
        dY = dY.contiguous();
        y = y.contiguous();
        Tensor d = dX.isContiguous() ? dX : Tensor.zeros(dX.dtype(), dX.device(), dX.shape());
        int len = y.dim() == 0 ? 1 : y.size(dim), inner = innerSize(y, dim), outer = y.numel() / Math.max(1, len * inner);
        float[] gs = data(dY), ys = data(y), ds = data(d);
        int go = dY.offset(), yo = y.offset(), dO = d.offset();
        if (inner == 1) {
            CpuParallel.forRange(outer, Math.max(1, FastRows.GRAIN / Math.max(1, len)), (lo, hi) -> {
                for (int r = lo; r < hi; r++) rowBackward(gs, go + r * len, ys, yo + r * len, ds, dO + r * len, len, log);
            });
        } else {
            CpuParallel.forRange(outer, Math.max(1, FastRows.GRAIN / Math.max(1, len * inner)), (lo, hi) -> {
                float[] acc = Scratch.get(Scratch.Slot.ROW, inner);
                for (int b = lo; b < hi; b++) columnsBackward(gs, go + b * len * inner, ys, yo + b * len * inner, ds, dO + b * len * inner,
                        len, inner, log, acc);
            });
        }
        if (d != dX) dX.copyFrom(d);
    }

    /** One contiguous row of the backward. */
    static void rowBackward(float[] gs, int gb, float[] ys, int yb, float[] ds, int db, int n, boolean log) {
        float a = (float) (log ? sum(gs, gb, n) : dotRow(gs, gb, ys, yb, n));
        FloatVector av = FloatVector.broadcast(S, a);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector gv = FloatVector.fromArray(S, gs, gb + i), yv = FloatVector.fromArray(S, ys, yb + i);
            (log ? gv.sub(VMath.exp(yv).mul(av)) : yv.mul(gv.sub(av))).intoArray(ds, db + i);
        }
        for (; i < n; i++) ds[db + i] = log ? gs[gb + i] - (float) Math.exp(ys[yb + i]) * a : ys[yb + i] * (gs[gb + i] - a);
    }

    /** The column form of the backward over a [len, inner] block. */
    private static void columnsBackward(float[] gs, int gb, float[] ys, int yb, float[] ds, int db, int len, int inner,
                                        boolean log, float[] acc) {
        java.util.Arrays.fill(acc, 0, inner, 0f);
        // acc[j] = Σ_i dY (log) or Σ_i dY·y (softmax) down column j
        for (int i = 0; i < len; i++) {
            int gr = gb + i * inner, yr = yb + i * inner, j = 0;
            for (; j <= inner - L; j += L) {
                FloatVector gv = FloatVector.fromArray(S, gs, gr + j), a = FloatVector.fromArray(S, acc, j);
                (log ? a.add(gv) : gv.fma(FloatVector.fromArray(S, ys, yr + j), a)).intoArray(acc, j);
            }
            for (; j < inner; j++) acc[j] += log ? gs[gr + j] : gs[gr + j] * ys[yr + j];
        }
        for (int i = 0; i < len; i++) {
            int gr = gb + i * inner, yr = yb + i * inner, dr = db + i * inner, j = 0;
            for (; j <= inner - L; j += L) {
                FloatVector gv = FloatVector.fromArray(S, gs, gr + j), yv = FloatVector.fromArray(S, ys, yr + j);
                FloatVector a = FloatVector.fromArray(S, acc, j);
                (log ? gv.sub(VMath.exp(yv).mul(a)) : yv.mul(gv.sub(a))).intoArray(ds, dr + j);
            }
            for (; j < inner; j++) ds[dr + j] = log ? gs[gr + j] - (float) Math.exp(ys[yr + j]) * acc[j] : ys[yr + j] * (gs[gr + j] - acc[j]);
        }
    }

    private static int innerSize(Tensor t, int dim) {
        int s = 1;
        for (int i = dim + 1; i < t.dim(); i++) s *= t.size(i);
        return s;
    }

    /** One contiguous row: y = softmax(x) (or log_softmax). Shared with attention. */
    static void row(float[] xs, int xb, float[] os, int ob, int n, boolean log) {
        float m = max(xs, xb, n);
        FloatVector mv = FloatVector.broadcast(S, m), s0 = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector e = VMath.exp(FloatVector.fromArray(S, xs, xb + i).sub(mv));
            if (!log) e.intoArray(os, ob + i);
            s0 = s0.add(e);
        }
        double sum = VMath.sum(s0);
        for (; i < n; i++) {
            float e = (float) Math.exp(xs[xb + i] - m);
            if (!log) os[ob + i] = e;
            sum += e;
        }
        if (log) {
            // (x − m) − log Σ: x − m is exact near the max, so no cancellation against a rounded m + log Σ
            float lse = (float) Math.log(sum);
            FloatVector sv = FloatVector.broadcast(S, lse);
            for (i = 0; i <= n - L; i += L) FloatVector.fromArray(S, xs, xb + i).sub(mv).sub(sv).intoArray(os, ob + i);
            for (; i < n; i++) os[ob + i] = (xs[xb + i] - m) - lse;
        } else {
            scale(os, ob, n, (float) (1 / sum));
        }
    }

    static float max(float[] xs, int xb, int n) {
        FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i <= n - L; i += L) mv = mv.max(FloatVector.fromArray(S, xs, xb + i));
        float m = mv.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, xs[xb + i]);
        return m;
    }

    static void scale(float[] a, int off, int n, float s) {
        FloatVector sv = FloatVector.broadcast(S, s);
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, off + i).mul(sv).intoArray(a, off + i);
        for (; i < n; i++) a[off + i] *= s;
    }

    private static double sum(float[] a, int off, int n) {
        FloatVector s = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) s = s.add(FloatVector.fromArray(S, a, off + i));
        double r = VMath.sum(s);
        for (; i < n; i++) r += a[off + i];
        return r;
    }

    private static double dotRow(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector s = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) s = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), s);
        double r = VMath.sum(s);
        for (; i < n; i++) r += a[ao + i] * b[bo + i];
        return r;
    }

    /** The column form: softmax down each of the inner columns of a [len, inner] block. */
    private static void columns(float[] xs, int xb, float[] os, int ob, int len, int inner, boolean log, float[] m, float[] s) {
        java.util.Arrays.fill(m, 0, inner, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(s, 0, inner, 0f);
        for (int i = 0; i < len; i++)
            for (int j = 0, p = xb + i * inner; j < inner; j++) m[j] = Math.max(m[j], xs[p + j]);
        for (int i = 0; i < len; i++) {
            int p = xb + i * inner, q = ob + i * inner, j = 0;
            for (; j <= inner - L; j += L) {
                FloatVector e = VMath.exp(FloatVector.fromArray(S, xs, p + j).sub(FloatVector.fromArray(S, m, j)));
                if (!log) e.intoArray(os, q + j);
                e.add(FloatVector.fromArray(S, s, j)).intoArray(s, j);
            }
            for (; j < inner; j++) {
                float e = (float) Math.exp(xs[p + j] - m[j]);
                if (!log) os[q + j] = e;
                s[j] += e;
            }
        }
        for (int j = 0; j < inner; j++) s[j] = log ? (float) Math.log(s[j]) : 1f / s[j];
        for (int i = 0; i < len; i++) {
            int p = xb + i * inner, q = ob + i * inner;
            for (int j = 0; j < inner; j++) os[q + j] = log ? (xs[p + j] - m[j]) - s[j] : os[q + j] * s[j];
        }
    }
}
