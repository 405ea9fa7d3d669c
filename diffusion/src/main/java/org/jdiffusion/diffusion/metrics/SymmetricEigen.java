package org.jdiffusion.diffusion.metrics;

/**
 * Eigen-decomposition A = V·diag(λ)·Vᵀ of a symmetric matrix by cyclic Jacobi rotations
 * (Golub & Van Loan, Matrix Computations, §8.5), in float64. O(d³) per sweep; converges
 * quadratically, typically in 6–10 sweeps. Used for matrix square roots in the Fréchet distance.
 */
public final class SymmetricEigen {
    /** Eigenvalues (unsorted) and eigenvectors as columns of {@code vectors} [d][d]. */
    public record Result(double[] values, double[][] vectors) {}

    private SymmetricEigen() {}

    public static Result of(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            if (a[i].length != n) throw new IllegalArgumentException("eigen: matrix is not square: row " + i + " has " + a[i].length + " entries, expected " + n);
            m[i] = a[i].clone();
        }
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) v[i][i] = 1;
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0, diag = 0;
            for (int i = 0; i < n; i++) {
                diag += m[i][i] * m[i][i];
                for (int j = i + 1; j < n; j++) off += m[i][j] * m[i][j];
            }
            if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++) {
                    if (m[p][q] == 0) continue;
                    // choose the rotation angle that zeroes m[p][q]: t = tan θ, the smaller root of t² + 2τt − 1 = 0
                    double tau = (m[q][q] - m[p][p]) / (2 * m[p][q]);
                    double t = Math.signum(tau) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
                    if (tau == 0) t = 1;
                    double c = 1 / Math.sqrt(1 + t * t), s = t * c;
                    for (int k = 0; k < n; k++) { // columns p, q of M·J
                        double mkp = m[k][p], mkq = m[k][q];
                        m[k][p] = c * mkp - s * mkq;
                        m[k][q] = s * mkp + c * mkq;
                    }
                    for (int k = 0; k < n; k++) { // rows p, q of Jᵀ·M
                        double mpk = m[p][k], mqk = m[q][k];
                        m[p][k] = c * mpk - s * mqk;
                        m[q][k] = s * mpk + c * mqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k][p], vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) values[i] = m[i][i];
        return new Result(values, v);
    }

    /** The symmetric positive semi-definite square root V·diag(√max(λ, 0))·Vᵀ. */
    public static double[][] sqrtPsd(double[][] a) {
        Result r = of(a);
        int n = a.length;
        double[][] out = new double[n][n];
        for (int k = 0; k < n; k++) {
            double s = Math.sqrt(Math.max(r.values()[k], 0));
            if (s == 0) continue;
            for (int i = 0; i < n; i++) {
                double vik = r.vectors()[i][k] * s;
                for (int j = 0; j < n; j++) out[i][j] += vik * r.vectors()[j][k];
            }
        }
        return out;
    }
}
