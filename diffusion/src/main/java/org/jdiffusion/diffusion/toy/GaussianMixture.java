package org.jdiffusion.diffusion.toy;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

/**
 * A Gaussian mixture p(x_0) = Σ_k π_k·N(μ_k, Σ_k) in D dimensions, for which everything a diffusion
 * model learns is known in closed form. Under x_t = a·x_0 + s·ε (a = √ᾱ_t, s = √(1−ᾱ_t) for DDPM;
 * a = 1, s = σ for the variance-exploding process) the marginal is Σ_k π_k·N(a·μ_k, C_k) with
 * C_k = a²·Σ_k + s²·I, and
 * <pre>
 *   E[x_0 | x_t] = Σ_k r_k(x_t)·(μ_k + a·Σ_k·C_k⁻¹·(x_t − a·μ_k)),   r_k ∝ π_k·N(x_t; a·μ_k, C_k),
 *   ∇ log p_t(x_t) = −Σ_k r_k(x_t)·C_k⁻¹·(x_t − a·μ_k).
 * </pre>
 * Computed in float64 on the host; small D only (a Cholesky factor per component).
 */
public final class GaussianMixture {
    private final double[] weights;
    private final double[][] means;
    private final double[][][] covariances;
    private final int dim;

    public GaussianMixture(double[] weights, double[][] means, double[][][] covariances) {
        int k = weights.length;
        if (k == 0 || means.length != k || covariances.length != k)
            throw new IllegalArgumentException("GaussianMixture: " + k + " weights, " + means.length + " means and " + covariances.length
                    + " covariances (expected one of each per component, at least one)");
        double total = 0;
        for (double w : weights) {
            if (!(w > 0)) throw new IllegalArgumentException("GaussianMixture: weights must be > 0, got " + java.util.Arrays.toString(weights));
            total += w;
        }
        dim = means[0].length;
        this.weights = new double[k];
        this.means = new double[k][];
        this.covariances = new double[k][][];
        for (int c = 0; c < k; c++) {
            this.weights[c] = weights[c] / total;
            if (means[c].length != dim || covariances[c].length != dim)
                throw new IllegalArgumentException("GaussianMixture: component " + c + " has mean of dim " + means[c].length
                        + " and covariance of " + covariances[c].length + " rows (expected " + dim + ")");
            this.means[c] = means[c].clone();
            this.covariances[c] = new double[dim][];
            for (int i = 0; i < dim; i++) {
                if (covariances[c][i].length != dim)
                    throw new IllegalArgumentException("GaussianMixture: covariance " + c + " is not " + dim + "×" + dim);
                this.covariances[c][i] = covariances[c][i].clone();
            }
            Cholesky.of(this.covariances[c], "GaussianMixture: covariance " + c);   // checks positive definiteness
        }
    }

    public int dim() { return dim; }

    public int components() { return weights.length; }

    public double weight(int k) { return weights[k]; }

    public double[] mean(int k) { return means[k].clone(); }

    public double[][] covariance(int k) {
        double[][] c = new double[dim][];
        for (int i = 0; i < dim; i++) c[i] = covariances[k][i].clone();
        return c;
    }

    /** The mixture restricted to the given components, weights renormalised. */
    public GaussianMixture subset(int... ks) {
        double[] w = new double[ks.length];
        double[][] m = new double[ks.length][];
        double[][][] c = new double[ks.length][][];
        for (int i = 0; i < ks.length; i++) {
            w[i] = weights[ks[i]];
            m[i] = means[ks[i]];
            c[i] = covariances[ks[i]];
        }
        return new GaussianMixture(w, m, c);
    }

    /** n draws [n, D] from one generator: the component from a uniform, then μ_k + L_k·z. */
    public Tensor sample(Generator g, int n, DType dtype) {
        double[] u = Rand.uniform(g, 0, 1, DType.FLOAT64, Device.CPU, n).toDoubleArray();
        double[] z = Rand.normal(g, 0, 1, DType.FLOAT64, Device.CPU, n, dim).toDoubleArray();
        double[][][] chol = new double[weights.length][][];
        for (int k = 0; k < weights.length; k++) chol[k] = Cholesky.of(covariances[k], "sample");
        HostStorage h = HostStorage.allocate(dtype, n * dim);
        for (int i = 0; i < n; i++) {
            int k = 0;
            double acc = weights[0];
            while (k < weights.length - 1 && u[i] > acc) acc += weights[++k];
            for (int r = 0; r < dim; r++) {
                double v = means[k][r];
                for (int c = 0; c <= r; c++) v += chol[k][r][c] * z[i * dim + c];
                h.set(i * dim + r, v);
            }
        }
        return Tensor.fromHost(h, new int[]{n, dim}, Device.CPU);
    }

    /** The noisy marginal's components at (a, s): factors of C_k = a²Σ_k + s²I, gains a·Σ_k·C_k⁻¹, log normalisers. */
    Noisy noisy(double a, double s) { return new Noisy(this, a, s); }

    /** E[x_0 | x_t] for rows of xt [n, D] (float64 values, row-major) under x_t = a·x_0 + s·ε. */
    public double[] posteriorMean(double[] xt, double a, double s) {
        Noisy nz = noisy(a, s);
        int n = xt.length / dim;
        double[] out = new double[xt.length];
        double[] r = new double[weights.length], x = new double[dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(xt, i * dim, x, 0, dim);
            nz.responsibilities(x, r);
            for (int k = 0; k < weights.length; k++) nz.addComponentMean(k, x, r[k], out, i * dim);
        }
        return out;
    }

    /** ∇_x log p_t(x_t) for rows of xt under x_t = a·x_0 + s·ε. */
    public double[] score(double[] xt, double a, double s) {
        Noisy nz = noisy(a, s);
        int n = xt.length / dim;
        double[] out = new double[xt.length];
        double[] r = new double[weights.length], x = new double[dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(xt, i * dim, x, 0, dim);
            nz.responsibilities(x, r);
            for (int k = 0; k < weights.length; k++) nz.addComponentScore(k, x, r[k], out, i * dim);
        }
        return out;
    }

    /** log p(x) of the data for each row. */
    public double[] logDensity(double[] x) { return logDensity(x, 1, 0); }

    /** log p_t(x_t) of the noisy marginal under x_t = a·x_0 + s·ε, for each row. */
    public double[] logDensity(double[] x, double a, double s) {
        Noisy nz = noisy(a, s);
        int n = x.length / dim;
        double[] out = new double[n], row = new double[dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(x, i * dim, row, 0, dim);
            out[i] = nz.logDensity(row);
        }
        return out;
    }

    /** The most responsible component of each data row (a = 1, s = 0). */
    public int[] classify(double[] x) {
        Noisy nz = noisy(1, 0);
        int n = x.length / dim;
        int[] out = new int[n];
        double[] r = new double[weights.length], row = new double[dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(x, i * dim, row, 0, dim);
            nz.responsibilities(row, r);
            int best = 0;
            for (int k = 1; k < r.length; k++) if (r[k] > r[best]) best = k;
            out[i] = best;
        }
        return out;
    }

    double[] weights() { return weights; }

    double[][] means() { return means; }

    double[][][] covariances() { return covariances; }
}
