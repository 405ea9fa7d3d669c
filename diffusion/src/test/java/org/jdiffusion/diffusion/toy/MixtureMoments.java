package org.jdiffusion.diffusion.toy;

import org.jdiffusion.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sample statistics of 2-D draws, split by their most responsible component: weight, mean and
 * covariance per component, compared with the mixture's own within given tolerances.
 */
public record MixtureMoments(double[] weights, double[][] means, double[][][] covariances) {

    public static MixtureMoments of(GaussianMixture gm, Tensor samples) {
        double[] x = samples.toDoubleArray();
        int d = gm.dim(), n = x.length / d, k = gm.components();
        int[] cls = gm.classify(x);
        double[] w = new double[k];
        double[][] m = new double[k][d];
        double[][][] c = new double[k][d][d];
        for (int i = 0; i < n; i++) {
            w[cls[i]]++;
            for (int j = 0; j < d; j++) m[cls[i]][j] += x[i * d + j];
        }
        for (int q = 0; q < k; q++) for (int j = 0; j < d; j++) m[q][j] /= Math.max(1, w[q]);
        for (int i = 0; i < n; i++)
            for (int a = 0; a < d; a++)
                for (int b = 0; b < d; b++) c[cls[i]][a][b] += (x[i * d + a] - m[cls[i]][a]) * (x[i * d + b] - m[cls[i]][b]);
        for (int q = 0; q < k; q++) {
            for (int a = 0; a < d; a++) for (int b = 0; b < d; b++) c[q][a][b] /= Math.max(1, w[q] - 1);
            w[q] /= n;
        }
        return new MixtureMoments(w, m, c);
    }

    /** The largest deviations: {weight, mean in units of the component's std, relative covariance}. */
    public double[] errors(GaussianMixture gm) {
        double ew = 0, em = 0, ec = 0;
        for (int q = 0; q < gm.components(); q++) {
            ew = Math.max(ew, Math.abs(weights[q] - gm.weight(q)));
            double[][] cov = gm.covariance(q);
            for (int a = 0; a < gm.dim(); a++) {
                em = Math.max(em, Math.abs(means[q][a] - gm.mean(q)[a]) / Math.sqrt(cov[a][a]));
                for (int b = 0; b < gm.dim(); b++)
                    ec = Math.max(ec, Math.abs(covariances[q][a][b] - cov[a][b]) / Math.sqrt(cov[a][a] * cov[b][b]));
            }
        }
        return new double[]{ew, em, ec};
    }

    public void assertMatches(GaussianMixture gm, double weightTol, double meanTol, double covTol, String what) {
        double[] e = errors(gm);
        String msg = what + ": weights " + java.util.Arrays.toString(weights) + ", errors (weight, mean/σ, cov/σσ) = "
                + java.util.Arrays.toString(e);
        assertTrue(e[0] <= weightTol, msg);
        assertTrue(e[1] <= meanTol, msg);
        assertTrue(e[2] <= covTol, msg);
        assertEquals(1, java.util.Arrays.stream(weights).sum(), 1e-9);
    }
}
