package org.jdiffusion.kernels;

import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

import java.util.function.Function;

/**
 * Float64 definitions of the structured ops for the conformance test: plain loops over row-major
 * arrays, written from each op's formula in {@link org.jdiffusion.tensor.Backend}, sharing no code
 * with any kernel. Backward ops are defined by central differences of these forwards.
 */
final class ConformanceReference {
    private ConformanceReference() {}

    /** A row-major float64 array with its shape. */
    record Nd(double[] v, int[] shape) {
        static Nd of(Tensor t) { return new Nd(t.toDoubleArray(), t.shape()); }

        static Nd zeros(int... shape) { return new Nd(new double[Shapes.numel(shape)], shape); }

        int at(int... idx) {
            int o = 0;
            for (int d = 0; d < shape.length; d++) o = o * shape[d] + idx[d];
            return o;
        }

        double get(int... idx) { return v[at(idx)]; }

        int[] unravel(int lin) {
            int[] idx = new int[shape.length];
            for (int d = shape.length - 1; d >= 0; d--) { idx[d] = lin % shape[d]; lin /= shape[d]; }
            return idx;
        }

        Nd with(double[] nv) { return new Nd(nv, shape); }
    }

    // ---- matmul, conv, resampling ---------------------------------------------------------------

    /** a [B, M, K] · b [B, K, N]. */
    static Nd matmul(Nd a, Nd b) {
        int bs = a.shape[0], m = a.shape[1], k = a.shape[2], n = b.shape[2];
        Nd out = Nd.zeros(bs, m, n);
        for (int p = 0; p < bs; p++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int t = 0; t < k; t++) s += a.get(p, i, t) * b.get(p, t, j);
                    out.v[out.at(p, i, j)] = s;
                }
        return out;
    }

    /** Visits every (output position, weight tap, input position) triple of a convolution. */
    interface Tap { void at(int outIdx, int wIdx, int xIdx); }

    static void taps(int[] xs, int[] ws, Conv2dParams p, Tap tap) {
        int n = xs[0], c = xs[1], h = xs[2], w = xs[3], o = ws[0], cg = ws[1], kh = ws[2], kw = ws[3];
        int ho = p.outH(h, kh), wo = p.outW(w, kw), og = o / p.groups();
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++)
                for (int i = 0; i < ho; i++)
                    for (int j = 0; j < wo; j++)
                        for (int ci = 0; ci < cg; ci++)
                            for (int u = 0; u < kh; u++)
                                for (int v = 0; v < kw; v++) {
                                    int ih = i * p.strideH() - p.padH() + u * p.dilH(), iw = j * p.strideW() - p.padW() + v * p.dilW();
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                                    int ch = oc / og * cg + ci;
                                    tap.at(((b * o + oc) * ho + i) * wo + j, ((oc * cg + ci) * kh + u) * kw + v, ((b * c + ch) * h + ih) * w + iw);
                                }
    }

    static int[] convOut(int[] xs, int[] ws, Conv2dParams p) { return new int[]{xs[0], ws[0], p.outH(xs[2], ws[2]), p.outW(xs[3], ws[3])}; }

    /** y[n, o, i, j] = bias[o] + Σ x[n, g·Cg + c, i·s − pad + u·dil, ...]·w[o, c, u, v]. */
    static Nd conv2d(Nd x, Nd w, Nd bias, Conv2dParams p) {
        Nd y = Nd.zeros(convOut(x.shape, w.shape, p));
        taps(x.shape, w.shape, p, (yi, wi, xi) -> y.v[yi] += x.v[xi] * w.v[wi]);
        if (bias != null)
            for (int i = 0; i < y.v.length; i++) y.v[i] += bias.v[y.unravel(i)[1]];
        return y;
    }

    /** dX[xi] = Σ over taps reading xi of w·dY: the same triples, scattered the other way. */
    static Nd conv2dBackwardInput(Nd dY, Nd w, int[] xShape, Conv2dParams p) {
        Nd dX = Nd.zeros(xShape);
        taps(xShape, w.shape, p, (yi, wi, xi) -> dX.v[xi] += w.v[wi] * dY.v[yi]);
        return dX;
    }

    static Nd conv2dBackwardWeight(Nd dY, Nd x, int[] wShape, Conv2dParams p) {
        Nd dW = Nd.zeros(wShape);
        taps(x.shape, wShape, p, (yi, wi, xi) -> dW.v[wi] += x.v[xi] * dY.v[yi]);
        return dW;
    }

    static Nd upsampleNearest(Nd x, int sh, int sw) {
        int[] s = x.shape;
        Nd y = Nd.zeros(s[0], s[1], s[2] * sh, s[3] * sw);
        for (int i = 0; i < y.v.length; i++) {
            int[] q = y.unravel(i);
            y.v[i] = x.get(q[0], q[1], q[2] / sh, q[3] / sw);
        }
        return y;
    }

    static Nd upsampleNearestBackward(Nd dY, int sh, int sw) {
        int[] s = dY.shape;
        Nd dX = Nd.zeros(s[0], s[1], s[2] / sh, s[3] / sw);
        for (int i = 0; i < dY.v.length; i++) {
            int[] q = dY.unravel(i);
            dX.v[dX.at(q[0], q[1], q[2] / sh, q[3] / sw)] += dY.v[i];
        }
        return dX;
    }

    /** Mean over each k×k window at stride s; with {@code dY} given, the windows' gradients spread instead. */
    static Nd avgPool2d(Nd x, int k, int s) {
        int[] xs = x.shape;
        Nd y = Nd.zeros(xs[0], xs[1], (xs[2] - k) / s + 1, (xs[3] - k) / s + 1);
        for (int i = 0; i < y.v.length; i++) {
            int[] q = y.unravel(i);
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++) y.v[i] += x.get(q[0], q[1], q[2] * s + u, q[3] * s + v) / (k * k);
        }
        return y;
    }

    static Nd avgPool2dBackward(Nd dY, int[] xShape, int k, int s) {
        Nd dX = Nd.zeros(xShape);
        for (int i = 0; i < dY.v.length; i++) {
            int[] q = dY.unravel(i);
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++) dX.v[dX.at(q[0], q[1], q[2] * s + u, q[3] * s + v)] += dY.v[i] / (k * k);
        }
        return dX;
    }

    // ---- normalisation, softmax, attention ------------------------------------------------------

    /** Normalises each of {@code rows} consecutive blocks of {@code size} elements; affine(i) gives (γ, β) of element i. */
    private static double[][] normalise(double[] x, int rows, int size, double eps, java.util.function.IntFunction<double[]> affine) {
        double[] y = new double[x.length], mean = new double[rows], rstd = new double[rows];
        for (int r = 0; r < rows; r++) {
            double mu = 0, var = 0;
            for (int i = 0; i < size; i++) mu += x[r * size + i];
            mu /= size;
            for (int i = 0; i < size; i++) var += (x[r * size + i] - mu) * (x[r * size + i] - mu);
            double rs = 1 / Math.sqrt(var / size + eps);
            mean[r] = mu;
            rstd[r] = rs;
            for (int i = 0; i < size; i++) {
                double[] gb = affine.apply(r * size + i);
                y[r * size + i] = (x[r * size + i] - mu) * rs * gb[0] + gb[1];
            }
        }
        return new double[][]{y, mean, rstd};
    }

    /** Group norm of x [N, C, *]: {out, mean [N·G], rstd [N·G]}; γ, β null for none. */
    static double[][] groupNorm(Nd x, double[] gamma, double[] beta, int groups, double eps) {
        int n = x.shape[0], c = x.shape[1], spatial = x.v.length / (n * c);
        return normalise(x.v, n * groups, c / groups * spatial, eps,
                i -> gamma == null ? new double[]{1, 0} : new double[]{gamma[i / spatial % c], beta[i / spatial % c]});
    }

    /** Layer norm over the last D = numel(γ-shape) elements of each row. */
    static double[][] layerNorm(Nd x, double[] gamma, double[] beta, int d, double eps) {
        return normalise(x.v, x.v.length / d, d, eps, i -> gamma == null ? new double[]{1, 0} : new double[]{gamma[i % d], beta[i % d]});
    }

    /** softmax (or log_softmax) along dim. */
    static Nd softmax(Nd x, int dim, boolean log) {
        Nd y = Nd.zeros(x.shape);
        int n = x.shape[dim], inner = 1;
        for (int d = dim + 1; d < x.shape.length; d++) inner *= x.shape[d];
        int outer = x.v.length / (n * inner);
        for (int o = 0; o < outer; o++)
            for (int in = 0; in < inner; in++) {
                int base = o * n * inner + in;
                double m = Double.NEGATIVE_INFINITY, s = 0;
                for (int i = 0; i < n; i++) m = Math.max(m, x.v[base + i * inner]);
                for (int i = 0; i < n; i++) s += Math.exp(x.v[base + i * inner] - m);
                for (int i = 0; i < n; i++) {
                    double z = x.v[base + i * inner] - m;
                    y.v[base + i * inner] = log ? z - Math.log(s) : Math.exp(z) / s;
                }
            }
        return y;
    }

    /** {out [B, H, Tq, Dv], lse [B, H, Tq]} of softmax(q·kᵀ·scale + mask)·v; mask [B, H, Tq, Tk] or null. */
    static Nd[] attention(Nd q, Nd k, Nd v, Nd mask, double scale) {
        int b = q.shape[0], h = q.shape[1], tq = q.shape[2], d = q.shape[3], tk = k.shape[2], dv = v.shape[3];
        Nd out = Nd.zeros(b, h, tq, dv), lse = Nd.zeros(b, h, tq);
        for (int bi = 0; bi < b; bi++)
            for (int hi = 0; hi < h; hi++)
                for (int i = 0; i < tq; i++) {
                    double[] s = new double[tk];
                    double m = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tk; j++) {
                        for (int c = 0; c < d; c++) s[j] += q.get(bi, hi, i, c) * k.get(bi, hi, j, c);
                        s[j] = s[j] * scale + (mask == null ? 0 : mask.get(bi, hi, i, j));
                        m = Math.max(m, s[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < tk; j++) z += Math.exp(s[j] - m);
                    lse.v[lse.at(bi, hi, i)] = m + Math.log(z);
                    for (int e = 0; e < dv; e++) {
                        double acc = 0;
                        for (int j = 0; j < tk; j++) acc += Math.exp(s[j] - m) / z * v.get(bi, hi, j, e);
                        out.v[out.at(bi, hi, i, e)] = acc;
                    }
                }
        return new Nd[]{out, lse};
    }

    // ---- indexing -------------------------------------------------------------------------------

    static Nd gather(Nd x, int dim, Nd index) {
        Nd out = Nd.zeros(index.shape);
        for (int i = 0; i < out.v.length; i++) {
            int[] p = index.unravel(i);
            p[dim] = (int) index.v[i];
            out.v[i] = x.get(p);
        }
        return out;
    }

    /** acc + scatter of src at index along dim. */
    static Nd scatterAdd(Nd src, int dim, Nd index, Nd acc) {
        Nd r = acc.with(acc.v.clone());
        for (int i = 0; i < src.v.length; i++) {
            int[] p = src.unravel(i);
            p[dim] = (int) index.v[i];
            r.v[r.at(p)] += src.v[i];
        }
        return r;
    }

    static Nd indexSelect(Nd x, int dim, long[] index) {
        int[] s = x.shape.clone();
        s[dim] = index.length;
        Nd out = Nd.zeros(s);
        for (int i = 0; i < out.v.length; i++) {
            int[] p = out.unravel(i);
            p[dim] = (int) index[p[dim]];
            out.v[i] = x.get(p);
        }
        return out;
    }

    static Nd indexAdd(Nd src, int dim, long[] index, Nd acc) {
        Nd r = acc.with(acc.v.clone());
        for (int i = 0; i < src.v.length; i++) {
            int[] p = src.unravel(i);
            p[dim] = (int) index[p[dim]];
            r.v[r.at(p)] += src.v[i];
        }
        return r;
    }

    // ---- gradients by central differences -------------------------------------------------------

    /** ∂/∂x Σ f(x)⊙r, element by element, with step 1e-6 (float64 error near 1e-9). */
    static double[] gradient(Function<double[], double[]> f, double[] x, double[] r) {
        double[] g = new double[x.length], xc = x.clone();
        for (int i = 0; i < x.length; i++) {
            double keep = xc[i];
            xc[i] = keep + 1e-6;
            double up = dot(f.apply(xc), r);
            xc[i] = keep - 1e-6;
            double down = dot(f.apply(xc), r);
            xc[i] = keep;
            g[i] = (up - down) / 2e-6;
        }
        return g;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
