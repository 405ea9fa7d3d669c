package org.jdiffusion.diffusion.metrics;

/**
 * The Fréchet (2-Wasserstein) distance between Gaussians fitted to two feature sets (Heusel et
 * al. 2017, "GANs trained by a two time-scale update rule", the FID):
 * <pre>
 *   FD = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2·(Σ₁Σ₂)^½)
 * </pre>
 * with Tr((Σ₁Σ₂)^½) = Tr((Σ₁^½ Σ₂ Σ₁^½)^½), whose argument is symmetric PSD, so only symmetric
 * eigen-decompositions are needed. FD grows as n shrinks (a biased estimator): compare numbers at
 * one sample count, beside the real-vs-real floor.
 */
public final class FrechetDistance {
    private FrechetDistance() {}

    public static double of(GaussianStats a, GaussianStats b) {
        int d = a.mean().length;
        if (b.mean().length != d)
            throw new IllegalArgumentException("FrechetDistance: feature sizes differ: " + d + " vs " + b.mean().length);
        double meanTerm = 0;
        for (int i = 0; i < d; i++) {
            double diff = a.mean()[i] - b.mean()[i];
            meanTerm += diff * diff;
        }
        double[][] s1 = SymmetricEigen.sqrtPsd(a.cov());
        double[][] m = multiply(multiply(s1, b.cov()), s1);
        for (int i = 0; i < d; i++) for (int j = i + 1; j < d; j++) m[i][j] = m[j][i] = 0.5 * (m[i][j] + m[j][i]);
        double trSqrt = 0;
        for (double l : SymmetricEigen.of(m).values()) trSqrt += Math.sqrt(Math.max(l, 0));
        double tr = 0;
        for (int i = 0; i < d; i++) tr += a.cov()[i][i] + b.cov()[i][i];
        return Math.max(0, meanTerm + tr - 2 * trSqrt);
    }

    static double[][] multiply(double[][] x, double[][] y) {
        int n = x.length, k = y.length, m = y[0].length;
        double[][] r = new double[n][m];
        for (int i = 0; i < n; i++)
            for (int p = 0; p < k; p++) {
                double v = x[i][p];
                if (v == 0) continue;
                for (int j = 0; j < m; j++) r[i][j] += v * y[p][j];
            }
        return r;
    }
}
