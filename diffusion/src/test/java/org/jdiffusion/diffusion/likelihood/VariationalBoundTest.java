package org.jdiffusion.diffusion.likelihood;

import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.VarianceType;
import org.jdiffusion.diffusion.sampling.Noise;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class VariationalBoundTest {

    @Test
    void erfcAndCdfMatchKnownValues() {
        assertEquals(0.4795001221869535, GaussianMath.erfc(0.5), 1e-15);
        assertEquals(2.209049699858544e-05, GaussianMath.erfc(3), 1e-19);
        assertEquals(1.8427007929497148, GaussianMath.erfc(-1), 1e-15);
        assertEquals(1.5374597944280349e-12, GaussianMath.erfc(5), 1e-25);
        assertEquals(0.9750021048517795, GaussianMath.standardNormalCdf(1.96), 1e-15);
        assertEquals(2, GaussianMath.erfc(Double.NEGATIVE_INFINITY));
    }

    @Test
    void klOfTwoGaussians() {
        // KL(N(0, 1) ‖ N(1, 4)) = ln 2 + (1 + 1)/8 − ½
        Tensor kl = GaussianMath.normalKl(Tensor.scalar(0, DType.FLOAT64, Device.CPU), Tensor.scalar(0, DType.FLOAT64, Device.CPU),
                Tensor.scalar(1, DType.FLOAT64, Device.CPU), Tensor.scalar(Math.log(4), DType.FLOAT64, Device.CPU));
        assertEquals(Math.log(2) + 0.25 - 0.5, kl.item(), 1e-15);
    }

    @Test
    void discretizedLikelihoodIsTheBinMass() {
        double[] xs = {-1, 2 * 100 / 255.0 - 1, 2 * 200 / 255.0 - 1, 1};
        double mu = 0.31, sigma = 0.05;
        Tensor ll = GaussianMath.discretizedGaussianLogLikelihood(Tensor.of(xs, 4), Tensor.full(mu, DType.FLOAT64, Device.CPU, 4),
                Tensor.scalar(Math.log(sigma), DType.FLOAT64, Device.CPU));
        double[] got = ll.toDoubleArray();
        for (int i = 0; i < 4; i++) {
            double lo = xs[i] < -0.999 ? mu - 12 * sigma - 1 : xs[i] - 1 / 255.0, hi = xs[i] > 0.999 ? mu + 12 * sigma + 1 : xs[i] + 1 / 255.0;
            double mass = simpson(x -> Math.exp(-(x - mu) * (x - mu) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI)), lo, hi, 20000);
            assertEquals(Math.log(mass), got[i], 1e-7 * Math.abs(Math.log(mass)) + 1e-9, "x = " + xs[i]);
        }
        // far tails stay finite and exact: both edges 20σ above the mean
        double far = GaussianMath.binLogProb(0.0, -20 * 0.01 - 1 / 255.0, Math.log(0.01));
        assertTrue(Double.isFinite(far) && far < -150, "far tail " + far);
    }

    private static double simpson(java.util.function.DoubleUnaryOperator f, double a, double b, int n) {
        double h = (b - a) / n, s = f.applyAsDouble(a) + f.applyAsDouble(b);
        for (int i = 1; i < n; i++) s += (i % 2 == 1 ? 4 : 2) * f.applyAsDouble(a + i * h);
        return s * h / 3;
    }

    // ---- the bound against a direct Monte-Carlo estimate on a tiny problem -------------------

    private static final int T = 6, D = 3;
    private static final NoiseSchedule S = NoiseSchedule.linear(T, 0.05, 0.3);
    private static final double[] X0 = {-1, 2 * 153 / 255.0 - 1, 1};

    /** ε_θ(x, t) = tanh(0.8·x + 0.05·t); with a learned range, v = tanh(x − 0.1·t) on a second channel. */
    private static Denoiser model(boolean learned) {
        return (xt, t, y) -> {
            double[] x = xt.toDoubleArray();
            long[] ts = t.toLongArray();
            int b = ts.length, c = learned ? 2 : 1;
            HostStorage h = HostStorage.allocate(DType.FLOAT64, b * c * D);
            for (int i = 0; i < b; i++)
                for (int k = 0; k < D; k++) {
                    double v = x[i * D + k];
                    h.set(i * c * D + k, Math.tanh(0.8 * v + 0.05 * ts[i]));
                    if (learned) h.set(i * c * D + D + k, Math.tanh(v - 0.1 * ts[i]));
                }
            return Tensor.fromHost(h, new int[]{b, c, D}, Device.CPU);
        };
    }

    private static double logNormal(double x, double mean, double var) {
        return -0.5 * (Math.log(2 * Math.PI * var) + (x - mean) * (x - mean) / var);
    }

    /** log Σ_θ(x_t, t) computed here from the paper's formulas, independently of ReverseProcess. */
    private static double logVar(VarianceType vt, double x, int t) {
        double logBeta = Math.log(S.beta(t));
        double logTilde = Math.log((1 - (t == 0 ? S.alphaBar(0) : S.alphaBar(t - 1))) / (1 - S.alphaBar(t)) * S.beta(t));
        if (t == 0) logTilde = Math.log((1 - S.alphaBar(0)) / (1 - S.alphaBar(1)) * S.beta(1));
        if (vt == VarianceType.FIXED_LARGE) return t == 0 ? logTilde : logBeta;
        double frac = (Math.tanh(x - 0.1 * t) + 1) / 2;
        return frac * logBeta + (1 - frac) * logTilde;
    }

    private static double meanTheta(double x, int t) {
        double eps = Math.tanh(0.8 * x + 0.05 * t);
        return (x - S.beta(t) / Math.sqrt(1 - S.alphaBar(t)) * eps) / Math.sqrt(S.alpha(t));   // Ho et al. eq. 11
    }

    @Test
    void boundTermsMatchADirectMonteCarloEstimate() {
        for (VarianceType vt : new VarianceType[]{VarianceType.FIXED_LARGE, VarianceType.LEARNED_RANGE}) {
            int n = 20000;
            double[] rep = new double[n * D];
            for (int i = 0; i < n; i++) System.arraycopy(X0, 0, rep, i * D, D);
            Tensor x0 = Tensor.of(rep, n, 1, D);
            BoundTerms b = new VariationalBound(S, Prediction.EPS, vt).evaluate(model(vt == VarianceType.LEARNED_RANGE), x0, null,
                    Noise.batch(new Generator(1)), 1);

            // Monte Carlo over forward trajectories x_0' → … → x_{T−1}, with every density written out
            double[] z = Rand.normal(new Generator(2), 0, 1, DType.FLOAT64, Device.CPU, n, T, D).toDoubleArray();
            double[] termSum = new double[T + 1], termSq = new double[T + 1];
            double totalSum = 0, totalSq = 0;
            double[][] x = new double[T][D];
            for (int i = 0; i < n; i++) {
                for (int a = 0; a < T; a++)
                    for (int k = 0; k < D; k++) {
                        double prev = a == 0 ? X0[k] : x[a - 1][k];
                        x[a][k] = Math.sqrt(S.alpha(a)) * prev + Math.sqrt(S.beta(a)) * z[(i * T + a) * D + k];
                    }
                double total = 0;
                double[] terms = new double[T + 1];
                for (int k = 0; k < D; k++) {
                    // prior: log q(x_{T−1}|x_0) − log N(x_{T−1}; 0, 1)
                    terms[T] += logNormal(x[T - 1][k], Math.sqrt(S.alphaBar(T - 1)) * X0[k], 1 - S.alphaBar(T - 1)) - logNormal(x[T - 1][k], 0, 1);
                    // t ≥ 1: log q(x_t|x_{t−1}) + log q(x_{t−1}|x_0) − log q(x_t|x_0) − log p_θ(x_{t−1}|x_t)   (Bayes for the posterior)
                    for (int a = 1; a < T; a++) {
                        double lq = logNormal(x[a][k], Math.sqrt(S.alpha(a)) * x[a - 1][k], S.beta(a))
                                + logNormal(x[a - 1][k], Math.sqrt(S.alphaBar(a - 1)) * X0[k], 1 - S.alphaBar(a - 1))
                                - logNormal(x[a][k], Math.sqrt(S.alphaBar(a)) * X0[k], 1 - S.alphaBar(a));
                        terms[a] += lq - logNormal(x[a - 1][k], meanTheta(x[a][k], a), Math.exp(logVar(vt, x[a][k], a)));
                    }
                    terms[0] -= GaussianMath.binLogProb(X0[k], meanTheta(x[0][k], 0), 0.5 * logVar(vt, x[0][k], 0));
                }
                for (int a = 0; a <= T; a++) {
                    double bits = terms[a] / (D * Math.log(2));
                    termSum[a] += bits;
                    termSq[a] += bits * bits;
                    total += bits;
                }
                totalSum += total;
                totalSq += total * total;
            }
            double[] per = b.perTimestep();
            for (int a = 0; a <= T; a++) {
                double mc = termSum[a] / n, se = Math.sqrt((termSq[a] / n - mc * mc) / n);
                double analytic = a == T ? b.prior() : per[a];
                assertEquals(mc, analytic, 5 * se + 1e-3, vt + " term " + (a == T ? "prior" : "t=" + a));
            }
            double mc = totalSum / n, se = Math.sqrt((totalSq / n - mc * mc) / n);
            assertEquals(mc, b.total(), 5 * se + 1e-3, vt + " total " + b.total() + " vs Monte Carlo " + mc + " ± " + se);
            assertTrue(se < 0.02, "the check is sharp: se = " + se);
        }
    }

    @Test
    void stridedEstimateWeighsItsBlocks() {
        NoiseSchedule s = NoiseSchedule.linear(20, 0.01, 0.2);
        Tensor x0 = Tensor.of(new double[]{-1, 0, 1, 2 * 30 / 255.0 - 1}, 2, 2);
        Denoiser m = (xt, t, y) -> xt.mul(0.3);
        VariationalBound vb = new VariationalBound(s, Prediction.EPS, VarianceType.FIXED_SMALL);
        BoundTerms full = vb.evaluate(m, x0, null, Noise.perSample(1, 0), 1);
        BoundTerms strided = vb.evaluate(m, x0, null, Noise.perSample(1, 0), 4);
        double[] w = strided.weights(), p = strided.perTimestep();
        assertEquals(20, java.util.Arrays.stream(w).sum(), 0);
        assertArrayEquals(new double[]{1, 4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0}, w);
        double sum = strided.prior();
        for (int t = 0; t < 20; t++) {
            if (w[t] > 0) sum += w[t] * p[t];
            else assertTrue(Double.isNaN(p[t]));
        }
        assertEquals(sum, strided.total(), 1e-12);
        assertEquals(full.decoder(), strided.decoder(), 1e-12, "same noise for the first draw");
        BoundTerms merged = full.merge(full);
        assertEquals(full.total(), merged.total(), 1e-12);
        assertEquals(4, merged.count());
        var e = assertThrows(IllegalArgumentException.class, () -> vb.evaluate(m, x0, null, Noise.perSample(1, 0), 20));
        assertTrue(e.getMessage().contains("stride"), e.getMessage());
    }
}
