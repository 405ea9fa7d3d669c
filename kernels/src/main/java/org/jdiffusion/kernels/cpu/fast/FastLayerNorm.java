package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.jdiffusion.kernels.cpu.CpuParallel;
import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.cpu.fast.FastMatmul.data;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.L;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.S;

/**
 * Fused float32 layer norm, forward and backward, over x viewed as rows [R, D] (D = Π of the
 * normalised trailing dims; inputs that are not contiguous are copied first); γ, β, dγ, dβ [D];
 * mean, rstd [R]. Statistics in one shifted pass as in {@link FastNorm}; forward
 * y = (x − μ)·rstd·γ + β; backward with g = dY·γ, x̂ = (x − μ)·rstd:
 * dX = rstd·(g − Σg/D − x̂·Σ(g·x̂)/D); dγ = Σ_rows dY·x̂ and dβ = Σ_rows dY, each row chunk summing into
 * its own partial [2, D], the partials added in chunk order.
 * Cost for E = R·D: forward ≈ 6E FLOPs, 8E bytes; backward ≈ 12E FLOPs, 12E bytes.
 */
public final class FastLayerNorm {
    private FastLayerNorm() {}

    public static void forward(Tensor x, Tensor gamma, Tensor beta, int normalizedDims, double eps, Tensor out, Tensor mean, Tensor rstd) {
        x = x.contiguous();
        Tensor o = out.isContiguous() ? out : Tensor.zeros(out.dtype(), out.device(), out.shape());
        Tensor g = gamma == null ? null : gamma.contiguous(), b = beta == null ? null : beta.contiguous();
        int d = tail(x, normalizedDims), rows = x.numel() / Math.max(1, d);
        float[] xs = data(x), os = data(o), gs = g == null ? null : data(g), bs = b == null ? null : data(b);
        float[] ms = data(mean), rs = data(rstd);
        int[] mOff = offsets(mean), rOff = offsets(rstd);
        int xo = x.offset(), oo = o.offset(), go = g == null ? 0 : g.offset(), bo = b == null ? 0 : b.offset();
        CpuParallel.forRange(rows, Math.max(1, FastRows.GRAIN / Math.max(1, d)), (lo, hi) -> {
            double[] st = new double[2];
            for (int row = lo; row < hi; row++) {
                int xb = xo + row * d, ob = oo + row * d;
                float shift = xs[xb];
                FastNorm.shiftedSums(xs, xb, d, shift, st);
                double dm = st[0] / d, mu = shift + dm, r = 1 / Math.sqrt(Math.max(0, st[1] / d - dm * dm) + eps);
                ms[mOff[row]] = (float) mu;
                rs[rOff[row]] = (float) r;
                if (gs == null) { FastNorm.affine(xs, xb, os, ob, d, (float) mu, (float) r, 0f); continue; }
                FloatVector m = FloatVector.broadcast(S, (float) mu), rv = FloatVector.broadcast(S, (float) r);
                int j = 0;
                for (; j <= d - L; j += L)
                    FloatVector.fromArray(S, xs, xb + j).sub(m).mul(rv)
                            .fma(FloatVector.fromArray(S, gs, go + j), FloatVector.fromArray(S, bs, bo + j)).intoArray(os, ob + j);
                for (; j < d; j++) os[ob + j] = (float) ((xs[xb + j] - mu) * r * gs[go + j] + bs[bo + j]);
            }
        });
        if (o != out) out.copyFrom(o);
    }

    public static void backward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int normalizedDims,
                                Tensor dX, Tensor dGamma, Tensor dBeta) {
        x = x.contiguous();
        dY = dY.contiguous();
        Tensor dx = dX.isContiguous() ? dX : Tensor.zeros(dX.dtype(), dX.device(), dX.shape());
        Tensor g = gamma == null ? null : gamma.contiguous();
        int d = tail(x, normalizedDims), rows = x.numel() / Math.max(1, d);
        float[] xs = data(x), ys = data(dY), dxs = data(dx), gs = g == null ? null : data(g), ms = data(mean), rs = data(rstd);
        int[] mOff = offsets(mean), rOff = offsets(rstd);
        int xo = x.offset(), yo = dY.offset(), dO = dx.offset(), go = g == null ? 0 : g.offset();
        boolean params = dGamma != null || dBeta != null;
        int chunks = (int) Math.max(1, Math.min(4L * CpuParallel.threads(), (long) rows * d / FastRows.GRAIN));
        float[] part = params ? new float[chunks * 2 * d] : null;
        CpuParallel.forRange(chunks, 1, (lo, hi) -> {
            for (int ch = lo; ch < hi; ch++) {
                for (int row = (int) ((long) ch * rows / chunks); row < (long) (ch + 1) * rows / chunks; row++) {
                    int xb = xo + row * d, yb = yo + row * d, db = dO + row * d;
                    float mu = ms[mOff[row]], r = rs[rOff[row]];
                    double sg = 0, sgx = 0;
                    for (int j = 0; j < d; j++) {
                        double gj = ys[yb + j] * (gs == null ? 1f : gs[go + j]);
                        sg += gj;
                        sgx += gj * (xs[xb + j] - mu) * r;
                    }
                    float a = (float) (sg / d), b = (float) (sgx / d);
                    for (int j = 0; j < d; j++) {
                        float xh = (xs[xb + j] - mu) * r, gj = ys[yb + j] * (gs == null ? 1f : gs[go + j]);
                        dxs[db + j] = r * (gj - a - xh * b);
                        if (params) {
                            part[ch * 2 * d + j] += ys[yb + j] * xh;
                            part[ch * 2 * d + d + j] += ys[yb + j];
                        }
                    }
                }
            }
        });
        if (dx != dX) dX.copyFrom(dx);
        if (!params) return;
        float[] sum = new float[2 * d];
        for (int ch = 0; ch < chunks; ch++)
            for (int j = 0; j < 2 * d; j++) sum[j] += part[ch * 2 * d + j];
        write(dGamma, sum, 0);
        write(dBeta, sum, d);
    }

    /** D: the product of the last {@code dims} sizes. */
    private static int tail(Tensor x, int dims) {
        int d = 1;
        for (int i = x.dim() - dims; i < x.dim(); i++) d *= x.size(i);
        return d;
    }

    /** Storage offsets of every element of t in row-major order. */
    private static int[] offsets(Tensor t) {
        int[] r = new int[t.numel()], sh = t.shape(), st = t.strides();
        org.jdiffusion.tensor.Shapes.forEachOffset(sh, st, t.offset(), (i, off) -> r[i] = off);
        return r;
    }

    private static void write(Tensor t, float[] v, int from) {
        if (t == null) return;
        int[] off = offsets(t);
        float[] ts = data(t);
        for (int j = 0; j < off.length; j++) ts[off[j]] = v[from + j];
    }
}
