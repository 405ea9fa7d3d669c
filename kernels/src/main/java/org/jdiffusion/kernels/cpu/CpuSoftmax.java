package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;

/**
 * Reference softmax and log-softmax along one dim, forward and backward, in float64.
 *
 * <p>Shapes: x, out, dY, y, dX of one shape, viewed as rows [R, L] with the softmax dim L moved last
 * (as a strided view; nothing is copied).
 *
 * <p>Math, per row with m = max x: softmax y = exp(x − m)/Σ exp(x − m); log-softmax
 * y = x − m − log Σ exp(x − m). A row that is all −∞ has no maximum to subtract and gives NaN, as the
 * composite exp(x − max)/sum does. Backward: softmax dX = y ⊙ (dY − Σ dY⊙y); log-softmax
 * dX = dY − exp(y)·Σ dY.
 *
 * <p>Cost for E = numel(x): forward ≈ 5E FLOPs plus 2E exp, moves 2E elements (x read twice from
 * cache); backward ≈ 4E FLOPs, moves 3E elements.
 */
final class CpuSoftmax {
    private CpuSoftmax() {}

    static void forward(Tensor x, int dim, boolean log, Tensor out) {
        HostStorage xs = (HostStorage) x.storage(), os = (HostStorage) out.storage();
        Tensor xp = dimLast(x, dim), op = dimLast(out, dim);
        Strided.rows(xp.shape(), new Tensor[]{xp, op}, (offs, st, n) -> {
            int xb = offs[0], xst = st[0], ob = offs[1], ost = st[1];
            double m = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) m = Math.max(m, xs.get(xb + i * xst));
            double sum = 0;
            for (int i = 0; i < n; i++) sum += Math.exp(xs.get(xb + i * xst) - m);
            if (log) {
                double shift = m + Math.log(sum);
                for (int i = 0; i < n; i++) os.set(ob + i * ost, xs.get(xb + i * xst) - shift);
            } else {
                for (int i = 0; i < n; i++) os.set(ob + i * ost, Math.exp(xs.get(xb + i * xst) - m) / sum);
            }
        });
    }

    static void backward(Tensor dY, Tensor y, int dim, boolean log, Tensor dX) {
        HostStorage gs = (HostStorage) dY.storage(), ys = (HostStorage) y.storage(), ds = (HostStorage) dX.storage();
        Tensor gp = dimLast(dY, dim), yp = dimLast(y, dim), dp = dimLast(dX, dim);
        Strided.rows(yp.shape(), new Tensor[]{gp, yp, dp}, (offs, st, n) -> {
            int gb = offs[0], gst = st[0], yb = offs[1], yst = st[1], db = offs[2], dst = st[2];
            double s = 0;
            if (log) {
                for (int i = 0; i < n; i++) s += gs.get(gb + i * gst);
                for (int i = 0; i < n; i++) ds.set(db + i * dst, gs.get(gb + i * gst) - Math.exp(ys.get(yb + i * yst)) * s);
            } else {
                for (int i = 0; i < n; i++) s += gs.get(gb + i * gst) * ys.get(yb + i * yst);
                for (int i = 0; i < n; i++) ds.set(db + i * dst, ys.get(yb + i * yst) * (gs.get(gb + i * gst) - s));
            }
        });
    }

    /** t with {@code dim} moved last (a 0-d tensor becomes one row of length 1). */
    static Tensor dimLast(Tensor t, int dim) {
        if (t.dim() == 0) return t.view(1);
        int r = t.dim();
        int[] perm = new int[r];
        for (int i = 0, k = 0; i < r; i++) if (i != dim) perm[k++] = i;
        perm[r - 1] = dim;
        return t.permute(perm);
    }
}
