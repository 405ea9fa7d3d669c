package org.jdiffusion.diffusion.toy;

/** Cholesky factors and solves for the small symmetric positive-definite matrices of the toy models. */
final class Cholesky {
    private Cholesky() {}

    /** Lower-triangular L with L·Lᵀ = m. */
    static double[][] of(double[][] m, String what) {
        int n = m.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = m[i][j];
                if (Math.abs(m[i][j] - m[j][i]) > 1e-12 * (1 + Math.abs(m[i][j])))
                    throw new IllegalArgumentException(what + " is not symmetric at (" + i + ", " + j + ")");
                for (int k = 0; k < j; k++) v -= l[i][k] * l[j][k];
                if (i == j) {
                    if (!(v > 0)) throw new IllegalArgumentException(what + " is not positive definite");
                    l[i][i] = Math.sqrt(v);
                } else {
                    l[i][j] = v / l[j][j];
                }
            }
        }
        return l;
    }

    /** m⁻¹ from its factor. */
    static double[][] inverse(double[][] l) {
        int n = l.length;
        double[][] inv = new double[n][n];
        double[] e = new double[n];
        for (int c = 0; c < n; c++) {
            java.util.Arrays.fill(e, 0);
            e[c] = 1;
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {          // L·y = e
                double v = e[i];
                for (int k = 0; k < i; k++) v -= l[i][k] * y[k];
                y[i] = v / l[i][i];
            }
            for (int i = n - 1; i >= 0; i--) {     // Lᵀ·x = y
                double v = y[i];
                for (int k = i + 1; k < n; k++) v -= l[k][i] * inv[k][c];
                inv[i][c] = v / l[i][i];
            }
        }
        return inv;
    }

    /** log det m = 2·Σ log L_ii. */
    static double logDet(double[][] l) {
        double s = 0;
        for (int i = 0; i < l.length; i++) s += Math.log(l[i][i]);
        return 2 * s;
    }
}
