package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

import java.util.Arrays;

/**
 * Reference group norm and layer norm, forward and backward, statistics in float64.
 *
 * <p>Shapes. Group norm: x, out, dY, dX [N, C, S...] with S = Π spatial dims (1 when x is [N, C]),
 * G groups of Cg = C/G channels, M = Cg·S elements per (n, g); γ, β, dγ, dβ [C]; mean, rstd [N, G].
 * Layer norm: x viewed as [R, D] with D = Π of the last {@code normalizedDims} dims; γ, β, dγ, dβ of
 * those dims' shape; mean, rstd of the leading dims' shape (R elements).
 *
 * <p>Math. Per group/row: μ = Σx/M, σ² = Σ(x − μ)²/M (two passes), rstd = 1/√(σ² + eps),
 * x̂ = (x − μ)·rstd, y = x̂·γ + β. Backward with g = dY·γ:
 * dX = rstd·(g − mean(g) − x̂·mean(g·x̂)); dγ = Σ dY·x̂ and dβ = Σ dY over every element of a channel
 * (group norm: over N and S) or of a column (layer norm: over R).
 *
 * <p>Cost for E = numel(x): forward ≈ 8E FLOPs, moves 2E elements (x in, out) plus γ, β and the
 * statistics; backward ≈ 14E FLOPs, moves 5E elements (dY and x twice: the dX pass and the dγ pass;
 * dX once).
 */
final class CpuNorm {
    private CpuNorm() {}

    private static final double NO_PARAM = 1;

    // ---- group norm ---------------------------------------------------------------------------

    static void groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps, Tensor out, Tensor mean, Tensor rstd) {
        int n = x.size(0), c = x.size(1), cg = c / groups;
        int[] xsp = offsets(x, 2, x.dim()), osp = offsets(out, 2, out.dim());
        int s = xsp.length, m = cg * s;
        HostStorage xs = host(x), os = host(out), ms = host(mean), rs = host(rstd);
        Param ga = new Param(gamma, NO_PARAM), be = new Param(beta, 0);
        int xn = x.stride(0), xc = x.stride(1), on = out.stride(0), oc = out.stride(1);
        CpuParallel.forRange(n * groups, grain(m), (lo, hi) -> {
            double[] buf = new double[m];
            for (int t = lo; t < hi; t++) {
                int ni = t / groups, g = t % groups;
                for (int cc = 0, k = 0; cc < cg; cc++) {
                    int base = x.offset() + ni * xn + (g * cg + cc) * xc;
                    for (int j = 0; j < s; j++) buf[k++] = xs.get(base + xsp[j]);
                }
                double mu = mean(buf), r = 1 / Math.sqrt(variance(buf, mu) + eps);
                ms.set(at(mean, ni, g), mu);
                rs.set(at(rstd, ni, g), r);
                for (int cc = 0, k = 0; cc < cg; cc++) {
                    int ch = g * cg + cc, base = out.offset() + ni * on + ch * oc;
                    double scale = r * ga.get(ch), shift = be.get(ch);
                    for (int j = 0; j < s; j++) os.set(base + osp[j], (buf[k++] - mu) * scale + shift);
                }
            }
        });
    }

    static void groupNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int groups,
                                  Tensor dX, Tensor dGamma, Tensor dBeta) {
        int n = x.size(0), c = x.size(1), cg = c / groups;
        int[] xsp = offsets(x, 2, x.dim()), dysp = offsets(dY, 2, dY.dim()), dxsp = offsets(dX, 2, dX.dim());
        int s = xsp.length, m = cg * s;
        HostStorage xs = host(x), dys = host(dY), dxs = host(dX), ms = host(mean), rs = host(rstd);
        Param ga = new Param(gamma, NO_PARAM);
        int xn = x.stride(0), xc = x.stride(1), yn = dY.stride(0), yc = dY.stride(1), dn = dX.stride(0), dc = dX.stride(1);
        // dX: one task per (n, g), each writes only its own group
        CpuParallel.forRange(n * groups, grain(m), (lo, hi) -> {
            double[] xh = new double[m], gr = new double[m];
            for (int t = lo; t < hi; t++) {
                int ni = t / groups, g = t % groups;
                double mu = ms.get(at(mean, ni, g)), r = rs.get(at(rstd, ni, g));
                for (int cc = 0, k = 0; cc < cg; cc++) {
                    int ch = g * cg + cc, xb = x.offset() + ni * xn + ch * xc, yb = dY.offset() + ni * yn + ch * yc;
                    double gc = ga.get(ch);
                    for (int j = 0; j < s; j++, k++) {
                        xh[k] = (xs.get(xb + xsp[j]) - mu) * r;
                        gr[k] = dys.get(yb + dysp[j]) * gc;
                    }
                }
                double sg = 0, sgx = 0;
                for (int k = 0; k < m; k++) { sg += gr[k]; sgx += gr[k] * xh[k]; }
                double mg = sg / m, mgx = sgx / m;
                for (int cc = 0, k = 0; cc < cg; cc++) {
                    int base = dX.offset() + ni * dn + (g * cg + cc) * dc;
                    for (int j = 0; j < s; j++, k++) dxs.set(base + dxsp[j], r * (gr[k] - mg - xh[k] * mgx));
                }
            }
        });
        if (dGamma == null && dBeta == null) return;
        // dγ, dβ: one task per channel, reducing over N and S
        HostStorage dgs = dGamma == null ? null : host(dGamma), dbs = dBeta == null ? null : host(dBeta);
        CpuParallel.forRange(c, grain(n * s), (lo, hi) -> {
            for (int ch = lo; ch < hi; ch++) {
                int g = ch / cg;
                double sgx = 0, sb = 0;
                for (int ni = 0; ni < n; ni++) {
                    double mu = ms.get(at(mean, ni, g)), r = rs.get(at(rstd, ni, g));
                    int xb = x.offset() + ni * xn + ch * xc, yb = dY.offset() + ni * yn + ch * yc;
                    for (int j = 0; j < s; j++) {
                        double dy = dys.get(yb + dysp[j]);
                        sgx += dy * (xs.get(xb + xsp[j]) - mu) * r;
                        sb += dy;
                    }
                }
                if (dgs != null) dgs.set(dGamma.offset() + ch * dGamma.stride(0), sgx);
                if (dbs != null) dbs.set(dBeta.offset() + ch * dBeta.stride(0), sb);
            }
        });
    }

    // ---- layer norm ---------------------------------------------------------------------------

    static void layerNorm(Tensor x, Tensor gamma, Tensor beta, int normalizedDims, double eps, Tensor out, Tensor mean, Tensor rstd) {
        int r = x.dim(), lead = r - normalizedDims;
        int[] xo = offsets(x, 0, lead), xi = offsets(x, lead, r), oo = offsets(out, 0, lead), oi = offsets(out, lead, r);
        int[] mo = offsets(mean, 0, mean.dim()), ro = offsets(rstd, 0, rstd.dim());
        int[] go = gamma == null ? null : offsets(gamma, 0, gamma.dim()), bo = beta == null ? null : offsets(beta, 0, beta.dim());
        int rows = xo.length, d = xi.length;
        HostStorage xs = host(x), os = host(out), ms = host(mean), rs = host(rstd);
        HostStorage gs = gamma == null ? null : host(gamma), bs = beta == null ? null : host(beta);
        CpuParallel.forRange(rows, grain(d), (lo, hi) -> {
            double[] buf = new double[d];
            for (int row = lo; row < hi; row++) {
                int xb = x.offset() + xo[row], ob = out.offset() + oo[row];
                for (int j = 0; j < d; j++) buf[j] = xs.get(xb + xi[j]);
                double mu = mean(buf), rsd = 1 / Math.sqrt(variance(buf, mu) + eps);
                ms.set(mean.offset() + mo[row], mu);
                rs.set(rstd.offset() + ro[row], rsd);
                for (int j = 0; j < d; j++) {
                    double y = (buf[j] - mu) * rsd;
                    if (gs != null) y *= gs.get(gamma.offset() + go[j]);
                    if (bs != null) y += bs.get(beta.offset() + bo[j]);
                    os.set(ob + oi[j], y);
                }
            }
        });
    }

    static void layerNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int normalizedDims,
                                  Tensor dX, Tensor dGamma, Tensor dBeta) {
        int r = x.dim(), lead = r - normalizedDims;
        int[] xo = offsets(x, 0, lead), xi = offsets(x, lead, r), yo = offsets(dY, 0, lead), yi = offsets(dY, lead, r);
        int[] dxo = offsets(dX, 0, lead), dxi = offsets(dX, lead, r);
        int[] mo = offsets(mean, 0, mean.dim()), ro = offsets(rstd, 0, rstd.dim());
        int[] go = gamma == null ? null : offsets(gamma, 0, gamma.dim());
        int rows = xo.length, d = xi.length;
        HostStorage xs = host(x), dys = host(dY), dxs = host(dX), ms = host(mean), rs = host(rstd);
        HostStorage gs = gamma == null ? null : host(gamma);
        CpuParallel.forRange(rows, grain(d), (lo, hi) -> {
            double[] xh = new double[d], gr = new double[d];
            for (int row = lo; row < hi; row++) {
                double mu = ms.get(mean.offset() + mo[row]), rsd = rs.get(rstd.offset() + ro[row]);
                int xb = x.offset() + xo[row], yb = dY.offset() + yo[row], db = dX.offset() + dxo[row];
                double sg = 0, sgx = 0;
                for (int j = 0; j < d; j++) {
                    xh[j] = (xs.get(xb + xi[j]) - mu) * rsd;
                    gr[j] = dys.get(yb + yi[j]) * (gs == null ? NO_PARAM : gs.get(gamma.offset() + go[j]));
                    sg += gr[j];
                    sgx += gr[j] * xh[j];
                }
                double mg = sg / d, mgx = sgx / d;
                for (int j = 0; j < d; j++) dxs.set(db + dxi[j], rsd * (gr[j] - mg - xh[j] * mgx));
            }
        });
        if (dGamma == null && dBeta == null) return;
        // dγ, dβ: each task owns a block of columns and walks all rows over it (row-major reads)
        int[] dgo = dGamma == null ? null : offsets(dGamma, 0, dGamma.dim()), dbo = dBeta == null ? null : offsets(dBeta, 0, dBeta.dim());
        HostStorage dgs = dGamma == null ? null : host(dGamma), dbs = dBeta == null ? null : host(dBeta);
        CpuParallel.forRange(d, grain(rows), (lo, hi) -> {
            double[] sgx = new double[hi - lo], sb = new double[hi - lo];
            for (int row = 0; row < rows; row++) {
                double mu = ms.get(mean.offset() + mo[row]), rsd = rs.get(rstd.offset() + ro[row]);
                int xb = x.offset() + xo[row], yb = dY.offset() + yo[row];
                for (int j = lo; j < hi; j++) {
                    double dy = dys.get(yb + yi[j]);
                    sgx[j - lo] += dy * (xs.get(xb + xi[j]) - mu) * rsd;
                    sb[j - lo] += dy;
                }
            }
            for (int j = lo; j < hi; j++) {
                if (dgs != null) dgs.set(dGamma.offset() + dgo[j], sgx[j - lo]);
                if (dbs != null) dbs.set(dBeta.offset() + dbo[j], sb[j - lo]);
            }
        });
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** A per-channel affine parameter [C] (any stride), or the constant {@code absent} when null. */
    private record Param(HostStorage s, int offset, int stride, double absent) {
        Param(Tensor t, double absent) {
            this(t == null ? null : host(t), t == null ? 0 : t.offset(), t == null ? 0 : t.stride(0), absent);
        }

        double get(int c) { return s == null ? absent : s.get(offset + c * stride); }
    }

    private static HostStorage host(Tensor t) { return (HostStorage) t.storage(); }

    /** Storage offset of element (i, j) of a 2-d tensor. */
    private static int at(Tensor t, int i, int j) { return t.offset() + i * t.stride(0) + j * t.stride(1); }

    /** Offsets, relative to t's offset, of every index of t's dims [from, to) in row-major order. */
    static int[] offsets(Tensor t, int from, int to) {
        int[] sh = Arrays.copyOfRange(t.shape(), from, to), st = Arrays.copyOfRange(t.strides(), from, to);
        int[] r = new int[Shapes.numel(sh)];
        Shapes.forEachOffset(sh, st, 0, (i, off) -> r[i] = off);
        return r;
    }

    /** Items per parallel chunk when each item touches {@code work} elements. */
    private static int grain(int work) { return Math.max(1, 16384 / Math.max(work, 1)); }

    private static double mean(double[] v) {
        double s = 0;
        for (double e : v) s += e;
        return s / v.length;
    }

    /** Biased variance Σ(v − μ)²/n. */
    private static double variance(double[] v, double mu) {
        double s = 0;
        for (double e : v) s += (e - mu) * (e - mu);
        return s / v.length;
    }
}
