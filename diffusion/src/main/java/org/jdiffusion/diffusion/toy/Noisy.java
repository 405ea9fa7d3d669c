package org.jdiffusion.diffusion.toy;

/**
 * A mixture seen through x_t = a·x_0 + s·ε: per component the precision C_k⁻¹ of C_k = a²Σ_k + s²I,
 * the gain G_k = a·Σ_k·C_k⁻¹ and log(π_k) − ½·log det(2π·C_k).
 */
final class Noisy {
    private final GaussianMixture gm;
    private final double a;
    private final double[][][] precision, gain;
    private final double[] logNorm;

    Noisy(GaussianMixture gm, double a, double s) {
        this.gm = gm;
        this.a = a;
        int k = gm.components(), d = gm.dim();
        precision = new double[k][][];
        gain = new double[k][][];
        logNorm = new double[k];
        for (int c = 0; c < k; c++) {
            double[][] sigma = gm.covariances()[c];
            double[][] cov = new double[d][d];
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) cov[i][j] = a * a * sigma[i][j] + (i == j ? s * s : 0);
            double[][] l = Cholesky.of(cov, "noisy covariance");
            precision[c] = Cholesky.inverse(l);
            gain[c] = new double[d][d];
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) {
                    double v = 0;
                    for (int m = 0; m < d; m++) v += sigma[i][m] * precision[c][m][j];
                    gain[c][i][j] = a * v;
                }
            logNorm[c] = Math.log(gm.weights()[c]) - 0.5 * (d * Math.log(2 * Math.PI) + Cholesky.logDet(l));
        }
    }

    /** log π_k N(x; a·μ_k, C_k) for each k into out; returns their log-sum-exp (log p_t(x)). */
    private double logJoint(double[] x, double[] out) {
        int d = x.length;
        double max = Double.NEGATIVE_INFINITY;
        double[] diff = new double[d];
        for (int c = 0; c < out.length; c++) {
            double[] mu = gm.means()[c];
            for (int i = 0; i < d; i++) diff[i] = x[i] - a * mu[i];
            double q = 0;
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) q += diff[i] * precision[c][i][j] * diff[j];
            out[c] = logNorm[c] - 0.5 * q;
            max = Math.max(max, out[c]);
        }
        double sum = 0;
        for (double v : out) sum += Math.exp(v - max);
        return max + Math.log(sum);
    }

    double logDensity(double[] x) { return logJoint(x, new double[gm.components()]); }

    /** r_k(x) into r. */
    void responsibilities(double[] x, double[] r) {
        double lse = logJoint(x, r);
        for (int c = 0; c < r.length; c++) r[c] = Math.exp(r[c] - lse);
    }

    /** out[o..o+D) += w·(μ_k + G_k·(x − a·μ_k)). */
    void addComponentMean(int c, double[] x, double w, double[] out, int o) {
        if (w == 0) return;
        double[] mu = gm.means()[c];
        int d = x.length;
        for (int i = 0; i < d; i++) {
            double v = mu[i];
            for (int j = 0; j < d; j++) v += gain[c][i][j] * (x[j] - a * mu[j]);
            out[o + i] += w * v;
        }
    }

    /** out[o..o+D) −= w·C_k⁻¹·(x − a·μ_k). */
    void addComponentScore(int c, double[] x, double w, double[] out, int o) {
        if (w == 0) return;
        double[] mu = gm.means()[c];
        int d = x.length;
        for (int i = 0; i < d; i++) {
            double v = 0;
            for (int j = 0; j < d; j++) v += precision[c][i][j] * (x[j] - a * mu[j]);
            out[o + i] -= w * v;
        }
    }
}
