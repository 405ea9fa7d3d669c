package org.jdiffusion.diffusion.metrics;

import org.jdiffusion.tensor.Tensor;

/**
 * Mean μ [d] and covariance Σ [d, d] (unbiased, n − 1) of n feature vectors, in float64: the
 * summary the Fréchet distance compares.
 */
public record GaussianStats(double[] mean, double[][] cov, int count) {

    /** Statistics of the rows of a [n, d] tensor (any float dtype, any device; read once to the host). */
    public static GaussianStats of(Tensor features) {
        if (features.dim() != 2 || features.size(0) < 2)
            throw new IllegalArgumentException("GaussianStats: expected features [n >= 2, d], got " + features.describe());
        int n = features.size(0), d = features.size(1);
        double[] x = features.toDoubleArray();
        double[] mu = new double[d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mu[j] += x[i * d + j];
        for (int j = 0; j < d; j++) mu[j] /= n;
        double[][] cov = new double[d][d];
        double[] c = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) c[j] = x[i * d + j] - mu[j];
            for (int a = 0; a < d; a++) {
                double ca = c[a];
                double[] row = cov[a];
                for (int b = a; b < d; b++) row[b] += ca * c[b];
            }
        }
        for (int a = 0; a < d; a++)
            for (int b = a; b < d; b++) {
                cov[a][b] /= (n - 1);
                cov[b][a] = cov[a][b];
            }
        return new GaussianStats(mu, cov, n);
    }
}
