package org.jdiffusion.diffusion.loss;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.diffusion.Coefficients;
import org.jdiffusion.diffusion.ForwardProcess;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Parameterization;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.ReverseProcess;
import org.jdiffusion.diffusion.VarianceType;
import org.jdiffusion.diffusion.likelihood.GaussianMath;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class DiffusionLossTest {
    private final NoiseSchedule lin = NoiseSchedule.linear(1000);

    private static Tensor randn(long seed, int... shape) { return Rand.normal(new Generator(seed), 0, 1, DType.FLOAT64, Device.CPU, shape); }

    /** The same x̂_0 expressed as each kind of output, for a batch b. */
    private static Tensor outputFor(Prediction p, Tensor x0hat, NoisyBatch b, NoiseSchedule s) {
        ForwardProcess q = new ForwardProcess(s);
        Tensor a = q.sqrtAlphaBar(b.t(), b.x0()), sg = q.sqrtOneMinusAlphaBar(b.t(), b.x0());
        Tensor eps = Parameterization.epsFromX0(x0hat, b.xt(), a, sg);
        return Parameterization.output(p, x0hat, eps, a, sg);
    }

    @Test
    void simpleIsTheMeanSquaredErrorAndItsGradient() {
        DiffusionLoss l = new DiffusionLoss(lin, Prediction.EPS);
        NoisyBatch b = l.noisy(randn(1, 4, 1, 3, 3), new Generator(2));
        Variable out = Variable.param(randn(3, 4, 1, 3, 3));
        Variable loss = l.simple(out, b);
        double[] o = out.data().toDoubleArray(), e = b.eps().toDoubleArray();
        double expected = 0;
        for (int i = 0; i < o.length; i++) expected += (o[i] - e[i]) * (o[i] - e[i]) / o.length;
        assertEquals(expected, loss.item(), 1e-12);
        loss.backward();
        double[] g = out.grad().toDoubleArray();
        for (int i = 0; i < o.length; i++) assertEquals(2 * (o[i] - e[i]) / o.length, g[i], 1e-12);
        // x_t is the forward process of x_0 and ε at the drawn timesteps
        ForwardProcess q = new ForwardProcess(lin);
        assertArrayEquals(q.qSample(b.x0(), b.t(), b.eps()).toDoubleArray(), b.xt().toDoubleArray(), 0);
    }

    @Test
    void weightingsAgreeAcrossParameterisations() {
        // one x̂_0 error, three ways of predicting it: min-SNR-γ and ELBO losses must coincide
        for (NoiseSchedule s : new NoiseSchedule[]{lin, NoiseSchedule.cosine(1000)}) {
            Tensor x0 = randn(4, 5, 2);
            NoisyBatch b = new DiffusionLoss(s, Prediction.EPS).noisy(x0, Tensor.ofLongs(new long[]{0, 3, 200, 700, 999}, 5), new Generator(5));
            Tensor x0hat = x0.add(randn(6, 5, 2).mul(0.3));
            double[] minSnr = new double[3], elbo = new double[3];
            for (Prediction p : Prediction.values()) {
                DiffusionLoss l = new DiffusionLoss(s, p);
                Variable out = Variable.constant(outputFor(p, x0hat, b, s));
                minSnr[p.ordinal()] = l.minSnr(out, b, 5).item();
                elbo[p.ordinal()] = l.elbo(out, b, VarianceType.FIXED_SMALL).item();
            }
            assertEquals(minSnr[0], minSnr[1], 1e-9 * minSnr[0], "min-SNR eps vs x0");
            assertEquals(minSnr[0], minSnr[2], 1e-9 * minSnr[0], "min-SNR eps vs v");
            assertEquals(elbo[0], elbo[1], 1e-9 * elbo[0], "ELBO eps vs x0");
            assertEquals(elbo[0], elbo[2], 1e-9 * elbo[0], "ELBO eps vs v");
        }
    }

    @Test
    void minSnrStaysFiniteAtZeroTerminalSnr() {
        NoiseSchedule z = lin.rescaleZeroTerminalSnr();
        Tensor t = Tensor.ofLongs(new long[]{0, 10, 500, 999}, 4), like = randn(1, 4, 2);
        for (Prediction p : Prediction.values()) {
            double[] w = new DiffusionLoss(z, p).minSnrWeights(t, 5, like).toDoubleArray();
            for (double v : w) assertTrue(Double.isFinite(v) && v >= 0, p + " " + java.util.Arrays.toString(w));
            double snr = z.snr(10);
            double expected = switch (p) { case EPS -> Math.min(snr, 5) / snr; case X0 -> Math.min(snr, 5); case V -> Math.min(snr, 5) / (snr + 1); };
            assertEquals(expected, w[1], 1e-12);
        }
        assertEquals(1, new DiffusionLoss(z, Prediction.EPS).minSnrWeights(t, 5, like).toDoubleArray()[3], 0, "ε weight → 1 as SNR → 0");
        assertEquals(0, new DiffusionLoss(z, Prediction.V).minSnrWeights(t, 5, like).toDoubleArray()[3], 0);
        var e = assertThrows(IllegalArgumentException.class, () -> new DiffusionLoss(z, Prediction.EPS).minSnrWeights(t, 0, like));
        assertTrue(e.getMessage().contains("γ"), e.getMessage());
    }

    @Test
    void elboLossIsTheGaussianKlOfTheReverseStep() {
        // for t ≥ 1: L_t = KL(q(x_{t−1}|x_t, x_0) ‖ p_θ(x_{t−1}|x_t)) with σ_t² fixed; the loss is T·mean_b L_t (nats/dim)
        for (VarianceType vt : new VarianceType[]{VarianceType.FIXED_SMALL, VarianceType.FIXED_LARGE}) {
            DiffusionLoss l = new DiffusionLoss(lin, Prediction.EPS);
            NoisyBatch b = l.noisy(randn(7, 3, 4), Tensor.ofLongs(new long[]{1, 400, 998}, 3), new Generator(8));
            Tensor out = randn(9, 3, 4);
            ReverseProcess.Step p = new ReverseProcess(lin, Prediction.EPS, vt).step(out, b.xt(), b.t(), null);
            ForwardProcess.Gaussian q = new ForwardProcess(lin).qPosterior(b.x0(), b.xt(), b.t());
            double kl = GaussianMath.normalKl(q.mean(), q.logVariance(), p.mean(), p.logVariance()).mean(new int[]{1}, false).mean().item();
            // the KL's variance terms do not depend on the prediction; the loss is its mean part
            double varPart = GaussianMath.normalKl(q.mean(), q.logVariance(), q.mean(), p.logVariance()).mean(new int[]{1}, false).mean().item();
            assertEquals(1000 * (kl - varPart), l.elbo(Variable.constant(out), b, vt).item(), 1e-9 * 1000 * kl, vt.toString());
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> new DiffusionLoss(lin, Prediction.EPS).elboWeights(Tensor.ofLongs(new long[]{1}, 1), VarianceType.LEARNED_RANGE, randn(1, 1, 2)));
        assertTrue(e.getMessage().contains("fixed variance"), e.getMessage());
    }

    @Test
    void badOutputsAreNamed() {
        DiffusionLoss l = new DiffusionLoss(lin, Prediction.EPS);
        NoisyBatch b = l.noisy(randn(1, 2, 3), new Generator(2));
        var e = assertThrows(IllegalArgumentException.class, () -> l.simple(Variable.constant(randn(3, 2, 6)), b));
        assertTrue(e.getMessage().contains("HybridLoss"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> l.weighted(Variable.constant(randn(3, 2, 3)), b, Tensor.ones(3)));
        assertTrue(e.getMessage().contains("weights"), e.getMessage());
        assertNotNull(Coefficients.class);
    }
}
