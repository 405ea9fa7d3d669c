package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.jdiffusion.kernels.cpu.CpuParallel;
import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.cpu.fast.FastMatmul.data;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.L;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.S;

/**
 * Fused float32 group norm and layer norm, forward and backward, each a pass for the statistics and
 * a pass for the result over data that stays in cache between them.
 *
 * <p>Shapes. Group norm: x, out, dY, dX [N, C, S] (S = Π spatial dims), G groups of Cg = C/G
 * channels, M = Cg·S elements per (n, g), which are contiguous; γ, β, dγ, dβ [C]; mean, rstd [N, G].
 * Layer norm: rows [R, D] (see {@link FastLayerNorm}).
 *
 * <p>Math. Statistics in one pass about a shift K = x₀ (so |μ − K| ≪ |μ| cancels nothing):
 * μ = K + Σ(x−K)/M, σ² = Σ(x−K)²/M − (μ−K)², rstd = 1/√(σ² + eps), float vectors summed in float64
 * per channel run. Forward y = (x − μ)·(rstd·γ_c) + β_c. Backward per (n, g) from the per-channel
 * sums a_c = Σ_s dY, b_c = Σ_s dY·(x − μ): with g = dY·γ, Σ g = Σ_c γ_c a_c, Σ g·x̂ = rstd·Σ_c γ_c b_c,
 * dX = rstd·γ_c·dY − rstd²·(Σ g·x̂/M)·(x − μ) − rstd·Σ g/M;
 * dγ_c = Σ_n rstd·b_c, dβ_c = Σ_n a_c, summed over n in order after the parallel pass.
 *
 * <p>Cost for E = numel(x): forward ≈ 5E FLOPs, moves 8E bytes; backward ≈ 8E FLOPs, moves 12E
 * bytes (dY and x read twice from cache, dX written once).
 */
public final class FastNorm {
    private FastNorm() {}

    /** Whether x's dims from 1 on are contiguous (each sample one run [C·S]). */
    static boolean samplesContiguous(Tensor t) {
        int s = 1;
        for (int d = t.dim() - 1; d >= 1; d--) {
            if (t.size(d) != 1 && t.stride(d) != s) return false;
            s *= t.size(d);
        }
        return true;
    }

    public static void groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps, Tensor out, Tensor mean, Tensor rstd) {
        if (!samplesContiguous(x)) x = x.contiguous();
        Tensor o = samplesContiguous(out) ? out : Tensor.zeros(out.dtype(), out.device(), out.shape());
        int n = x.size(0), c = x.size(1), cg = c / groups, sp = x.numel() / Math.max(1, n * c);
        float[] xs = data(x), os = data(o), ms = data(mean), rs = data(rstd);
        float[] gs = gamma == null ? null : data(gamma), bs = beta == null ? null : data(beta);
        int gOff = gamma == null ? 0 : gamma.offset(), gSt = gamma == null ? 0 : gamma.stride(0);
        int bOff = beta == null ? 0 : beta.offset(), bSt = beta == null ? 0 : beta.stride(0);
        int xn = x.stride(0), on = o.stride(0), xo = x.offset(), oo = o.offset();
        int m = cg * sp;
        CpuParallel.forRange(n * groups, Math.max(1, FastRows.GRAIN / Math.max(1, m)), (lo, hi) -> {
            double[] st = new double[2];
            for (int t = lo; t < hi; t++) {
                int ni = t / groups, g = t % groups, xb = xo + ni * xn + g * m, ob = oo + ni * on + g * m;
                float shift = xs[xb];
                double s1 = 0, s2 = 0;
                for (int cc = 0; cc < cg; cc++) {
                    shiftedSums(xs, xb + cc * sp, sp, shift, st);
                    s1 += st[0];
                    s2 += st[1];
                }
                double d = s1 / m, mu = shift + d, var = Math.max(0, s2 / m - d * d), r = 1 / Math.sqrt(var + eps);
                ms[at(mean, ni, g)] = (float) mu;
                rs[at(rstd, ni, g)] = (float) r;
                for (int cc = 0; cc < cg; cc++) {
                    int ch = g * cg + cc;
                    double scale = r * (gs == null ? 1 : gs[gOff + ch * gSt]);
                    affine(xs, xb + cc * sp, os, ob + cc * sp, sp, (float) mu, (float) scale, bs == null ? 0f : bs[bOff + ch * bSt]);
                }
            }
        });
        if (o != out) out.copyFrom(o);
    }

    public static void groupNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int groups,
                                         Tensor dX, Tensor dGamma, Tensor dBeta) {
        if (!samplesContiguous(x)) x = x.contiguous();
        if (!samplesContiguous(dY)) dY = dY.contiguous();
        Tensor dx = samplesContiguous(dX) ? dX : Tensor.zeros(dX.dtype(), dX.device(), dX.shape());
        int n = x.size(0), c = x.size(1), cg = c / groups, sp = x.numel() / Math.max(1, n * c), m = cg * sp;
        float[] xs = data(x), dys = data(dY), dxs = data(dx), ms = data(mean), rs = data(rstd);
        float[] gs = gamma == null ? null : data(gamma);
        int gOff = gamma == null ? 0 : gamma.offset(), gSt = gamma == null ? 0 : gamma.stride(0);
        int xn = x.stride(0), yn = dY.stride(0), dn = dx.stride(0), xo = x.offset(), yo = dY.offset(), dO = dx.offset();
        // per (n, c): a = Σ_s dY, b = Σ_s dY·(x − μ), kept for dγ, dβ
        double[] ab = new double[2 * n * c];
        CpuParallel.forRange(n * groups, Math.max(1, FastRows.GRAIN / Math.max(1, 2 * m)), (lo, hi) -> {
            double[] st = new double[2];
            for (int t = lo; t < hi; t++) {
                int ni = t / groups, g = t % groups;
                int xb = xo + ni * xn + g * m, yb = yo + ni * yn + g * m, db = dO + ni * dn + g * m;
                double mu = ms[at(mean, ni, g)], r = rs[at(rstd, ni, g)];
                double sg = 0, sgx = 0;
                for (int cc = 0; cc < cg; cc++) {
                    int ch = g * cg + cc;
                    sumAndDot(dys, yb + cc * sp, xs, xb + cc * sp, sp, (float) mu, st);
                    ab[2 * (ni * c + ch)] = st[0];
                    ab[2 * (ni * c + ch) + 1] = st[1];
                    double gc = gs == null ? 1 : gs[gOff + ch * gSt];
                    sg += gc * st[0];
                    sgx += gc * st[1];
                }
                sgx *= r;
                // dX = r·(γ_c·dY − Σg/M − x̂·Σg·x̂/M) = (r·γ_c)·dY + B·(x − μ) + C with x̂ = (x − μ)·r
                double bCoef = -r * r * sgx / m, cCoef = -r * sg / m;
                for (int cc = 0; cc < cg; cc++) {
                    int ch = g * cg + cc;
                    double a = r * (gs == null ? 1 : gs[gOff + ch * gSt]);
                    combine(dys, yb + cc * sp, xs, xb + cc * sp, dxs, db + cc * sp, sp, (float) mu, (float) a, (float) bCoef, (float) cCoef);
                }
            }
        });
        if (dx != dX) dX.copyFrom(dx);
        for (int ch = 0; ch < c && (dGamma != null || dBeta != null); ch++) {
            double sgx = 0, sb = 0;
            int g = ch / cg;
            for (int ni = 0; ni < n; ni++) {
                double a = ab[2 * (ni * c + ch)], b = ab[2 * (ni * c + ch) + 1];
                sgx += rs[at(rstd, ni, g)] * b;
                sb += a;
            }
            if (dGamma != null) data(dGamma)[dGamma.offset() + ch * dGamma.stride(0)] = (float) sgx;
            if (dBeta != null) data(dBeta)[dBeta.offset() + ch * dBeta.stride(0)] = (float) sb;
        }
    }

    private static int at(Tensor t, int i, int j) { return t.offset() + i * t.stride(0) + j * t.stride(1); }

    // ---- vector runs shared with layer norm --------------------------------------------------------

    /** st ← (Σ (x − shift), Σ (x − shift)²) over x[off, off + n). */
    static void shiftedSums(float[] x, int off, int n, float shift, double[] st) {
        FloatVector k = FloatVector.broadcast(S, shift), s1 = FloatVector.zero(S), s2 = s1;
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, off + i).sub(k);
            s1 = s1.add(d);
            s2 = d.fma(d, s2);
        }
        double a = VMath.sum(s1), b = VMath.sum(s2);
        for (; i < n; i++) {
            double d = x[off + i] - shift;
            a += d;
            b += d * d;
        }
        st[0] = a;
        st[1] = b;
    }

    /** y[i] = (x[i] − μ)·scale + bias. */
    static void affine(float[] x, int xo, float[] y, int yo, int n, float mu, float scale, float bias) {
        FloatVector m = FloatVector.broadcast(S, mu), sc = FloatVector.broadcast(S, scale), bi = FloatVector.broadcast(S, bias);
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, x, xo + i).sub(m).fma(sc, bi).intoArray(y, yo + i);
        for (; i < n; i++) y[yo + i] = Math.fma(x[xo + i] - mu, scale, bias);
    }

    /** st ← (Σ dy, Σ dy·(x − μ)). */
    static void sumAndDot(float[] dy, int yo, float[] x, int xo, int n, float mu, double[] st) {
        FloatVector s1 = FloatVector.zero(S), s2 = s1, m = FloatVector.broadcast(S, mu);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector d = FloatVector.fromArray(S, dy, yo + i);
            s1 = s1.add(d);
            s2 = d.fma(FloatVector.fromArray(S, x, xo + i).sub(m), s2);
        }
        double a = VMath.sum(s1), b = VMath.sum(s2);
        for (; i < n; i++) {
            a += dy[yo + i];
            b += (double) dy[yo + i] * (x[xo + i] - mu);
        }
        st[0] = a;
        st[1] = b;
    }

    /** dx[i] = a·dy[i] + b·(x[i] − μ) + c. */
    static void combine(float[] dy, int yo, float[] x, int xo, float[] dx, int dxo, int n, float mu, float a, float b, float c) {
        FloatVector m = FloatVector.broadcast(S, mu), va = FloatVector.broadcast(S, a), vb = FloatVector.broadcast(S, b),
                vc = FloatVector.broadcast(S, c);
        int i = 0;
        for (; i <= n - L; i += L)
            FloatVector.fromArray(S, dy, yo + i).fma(va, FloatVector.fromArray(S, x, xo + i).sub(m).fma(vb, vc)).intoArray(dx, dxo + i);
        for (; i < n; i++) dx[dxo + i] = Math.fma(dy[yo + i], a, Math.fma(x[xo + i] - mu, b, c));
    }
}
