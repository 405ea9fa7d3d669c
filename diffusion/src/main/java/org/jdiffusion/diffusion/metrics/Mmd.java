package org.jdiffusion.diffusion.metrics;

import org.jdiffusion.tensor.Tensor;

import java.util.Arrays;

/**
 * Kernel maximum mean discrepancy with a Gaussian kernel k(a, b) = exp(−‖a − b‖² / (2h²))
 * (Gretton et al. 2012, "A kernel two-sample test", the unbiased estimator MMD²_u, Eq. 3):
 * MMD²_u = 1/(n(n−1)) Σ_{i≠j} k(x_i, x_j) + 1/(m(m−1)) Σ_{i≠j} k(y_i, y_j) − 2/(nm) Σ k(x_i, y_j).
 * The bandwidth h defaults to the median pairwise distance of the pooled sample.
 */
public final class Mmd {
    private Mmd() {}

    /** Unbiased MMD² with bandwidth h (h ≤ 0: the median heuristic). Can be slightly negative for equal distributions. */
    public static double squared(Tensor x, Tensor y, double h) {
        if (x.dim() != 2 || y.dim() != 2 || x.size(1) != y.size(1) || x.size(0) < 2 || y.size(0) < 2)
            throw new IllegalArgumentException("Mmd: expected point sets [n >= 2, d] and [m >= 2, d] with the same d, got "
                    + x.describe() + " and " + y.describe());
        int d = x.size(1), n = x.size(0), m = y.size(0);
        double[] xs = x.toDoubleArray(), ys = y.toDoubleArray();
        double bw = h > 0 ? h : medianDistance(xs, ys, n, m, d);
        double g = 1 / (2 * bw * bw);
        double kxx = 0, kyy = 0, kxy = 0;
        for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) kxx += Math.exp(-g * dist2(xs, i, xs, j, d));
        for (int i = 0; i < m; i++) for (int j = i + 1; j < m; j++) kyy += Math.exp(-g * dist2(ys, i, ys, j, d));
        for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) kxy += Math.exp(-g * dist2(xs, i, ys, j, d));
        return 2 * kxx / (n * (n - 1.0)) + 2 * kyy / (m * (m - 1.0)) - 2 * kxy / ((double) n * m);
    }

    public static double squared(Tensor x, Tensor y) { return squared(x, y, 0); }

    private static double dist2(double[] a, int i, double[] b, int j, int d) {
        double s = 0;
        for (int k = 0; k < d; k++) { double t = a[i * d + k] - b[j * d + k]; s += t * t; }
        return s;
    }

    /** Median pairwise distance of the pooled points (on at most 1000 of them, evenly strided). */
    static double medianDistance(double[] xs, double[] ys, int n, int m, int d) {
        int total = n + m, step = Math.max(1, total / 1000);
        double[] pooled = new double[((total + step - 1) / step) * d];
        int c = 0;
        for (int i = 0; i < total; i += step, c++) {
            if (i < n) System.arraycopy(xs, i * d, pooled, c * d, d);
            else System.arraycopy(ys, (i - n) * d, pooled, c * d, d);
        }
        double[] dists = new double[c * (c - 1) / 2];
        int k = 0;
        for (int i = 0; i < c; i++) for (int j = i + 1; j < c; j++) dists[k++] = Math.sqrt(dist2(pooled, i, pooled, j, d));
        Arrays.sort(dists);
        double med = dists.length == 0 ? 1 : dists[dists.length / 2];
        return med > 0 ? med : 1;
    }
}
