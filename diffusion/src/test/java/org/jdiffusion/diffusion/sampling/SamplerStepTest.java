package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.VarianceType;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Single steps of each sampler against their equations, with synthetic model outputs. */
class SamplerStepTest {
    private final NoiseSchedule lin = NoiseSchedule.linear(1000);

    private static Tensor randn(long seed, int... shape) { return Rand.normal(new Generator(seed), 0, 1, DType.FLOAT64, Device.CPU, shape); }

    /** A noise source that always returns the same tensor. */
    private static Noise fixed(Tensor z) { return x -> z; }

    @Test
    void ddimUsesThePreviousTimestepOfItsOwnList() {
        // every spacing and step count, first and last step included: ᾱ_prev is ᾱ at the next list entry (1 after the last)
        for (Spacing sp : Spacing.values())
            for (int n : new int[]{1, 3, 10, 50, 999}) {
                DdimSampler s = DdimSampler.of(lin, Prediction.EPS, n, sp, 0);
                long[] ts = s.timesteps();
                for (int i : new int[]{0, n / 2, n - 1}) {
                    Tensor x = randn(10 + i, 2, 3), eps = randn(20 + i, 2, 3);
                    double ab = lin.alphaBar((int) ts[i]), abPrev = i + 1 < n ? lin.alphaBar((int) ts[i + 1]) : 1;
                    double[] xv = x.toDoubleArray(), ev = eps.toDoubleArray(), got = s.step(eps, i, x, null).prev().toDoubleArray();
                    for (int k = 0; k < xv.length; k++) {
                        double x0 = (xv[k] - Math.sqrt(1 - ab) * ev[k]) / Math.sqrt(ab);
                        double expected = Math.sqrt(abPrev) * x0 + Math.sqrt(1 - abPrev) * ev[k];   // eq. 12 with σ = 0
                        assertEquals(expected, got[k], 1e-9 * (1 + Math.abs(expected)), sp + " n=" + n + " i=" + i);
                    }
                }
            }
    }

    @Test
    void ddimWithEtaOneIsDdpmOnTheSameSteps() {
        // σ_τ(η=1)² equals the posterior variance β̃ of the respaced process, and the means agree (Song et al. §4.1)
        for (int n : new int[]{1000, 37}) {
            long[] ts = Spacing.TRAILING.timesteps(lin, n);
            DdimSampler ddim = new DdimSampler(lin, Prediction.EPS, ts, 1.0, null);
            DdpmSampler ddpm = new DdpmSampler(lin, Prediction.EPS, VarianceType.FIXED_SMALL, ts, null);
            for (int i : new int[]{0, 1, n / 2, n - 2, n - 1}) {
                Tensor x = randn(30 + i, 3, 2), out = randn(40 + i, 3, 2), z = randn(50 + i, 3, 2);
                double[] a = ddim.step(out, i, x, fixed(z)).prev().toDoubleArray();
                double[] b = ddpm.step(out, i, x, fixed(z)).prev().toDoubleArray();
                assertArrayEquals(a, b, 1e-9, "n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void ddpmFollowsAlgorithmTwo() {
        DdpmSampler s = DdpmSampler.full(lin, Prediction.EPS, VarianceType.FIXED_LARGE);
        int t = 500;
        Tensor x = randn(1, 4, 2), eps = randn(2, 4, 2), z = randn(3, 4, 2);
        double[] got = s.step(eps, 999 - t, x, fixed(z)).prev().toDoubleArray();
        double[] xv = x.toDoubleArray(), ev = eps.toDoubleArray(), zv = z.toDoubleArray();
        for (int k = 0; k < xv.length; k++) {
            // x_{t−1} = 1/√α_t·(x_t − β_t/√(1−ᾱ_t)·ε_θ) + σ_t·z with σ_t² = β_t
            double expected = (xv[k] - lin.beta(t) / lin.sqrtOneMinusAlphaBar(t) * ev[k]) / lin.sqrtAlpha(t) + lin.sqrtBeta(t) * zv[k];
            assertEquals(expected, got[k], 1e-10);
        }
        // no noise at the last step: x_0 = μ_θ(x_1, 1) = x̂_0
        Tensor last = s.step(eps, 999, x, fixed(z)).prev();
        double[] l = last.toDoubleArray();
        for (int k = 0; k < xv.length; k++)
            assertEquals((xv[k] - lin.sqrtOneMinusAlphaBar(0) * ev[k]) / lin.sqrtAlphaBar(0), l[k], 1e-10);
    }

    @Test
    void learnedRangeInterpolatesLogVariances() {
        DdpmSampler s = DdpmSampler.full(lin, Prediction.EPS, VarianceType.LEARNED_RANGE);
        int t = 300;
        Tensor x = randn(5, 2, 1, 2, 2), eps = randn(6, 2, 1, 2, 2), z = randn(7, 2, 1, 2, 2);
        for (double v : new double[]{-1, 0.2, 1}) {
            Tensor out = org.jdiffusion.tensor.Join.cat(java.util.List.of(eps, Tensor.full(v, DType.FLOAT64, Device.CPU, 2, 1, 2, 2)), 1);
            double frac = (v + 1) / 2;
            double sigma = Math.exp(0.5 * (frac * Math.log(lin.beta(t)) + (1 - frac) * lin.posteriorLogVarianceClipped(t)));
            double[] withNoise = s.step(out, 999 - t, x, fixed(z)).prev().toDoubleArray();
            double[] mean = s.step(out, 999 - t, x, fixed(z.mul(0))).prev().toDoubleArray();
            double[] zv = z.toDoubleArray();
            for (int k = 0; k < zv.length; k++) assertEquals(sigma * zv[k], withNoise[k] - mean[k], 1e-10, "v=" + v);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> s.step(eps, 0, x, fixed(z)));
        assertTrue(e.getMessage().contains("learned variance"), e.getMessage());
    }

    @Test
    void dpmSolverFirstStepIsDdimAndSecondIsTheTwoStepFormula() {
        long[] ts = {900, 600, 300, 0};
        DpmSolverPlusPlus2M dpm = new DpmSolverPlusPlus2M(lin, Prediction.X0, ts, null);
        Tensor x = randn(1, 3, 2), d0 = randn(2, 3, 2), d1 = randn(3, 3, 2);
        Tensor x1 = dpm.step(d0, 0, x, null).prev();
        Tensor ddim = new DdimSampler(lin, Prediction.X0, ts, 0, null).step(d0, 0, x, null).prev();
        assertArrayEquals(ddim.toDoubleArray(), x1.toDoubleArray(), 1e-12, "first order = DDIM");
        Tensor x2 = dpm.step(d1, 1, x1, null).prev();
        double[] lam = new double[3], al = new double[3], sg = new double[3];
        for (int k = 0; k < 3; k++) {
            int t = (int) ts[k];
            al[k] = lin.sqrtAlphaBar(t); sg[k] = lin.sqrtOneMinusAlphaBar(t); lam[k] = Math.log(al[k] / sg[k]);
        }
        double h0 = lam[1] - lam[0], h1 = lam[2] - lam[1], r = h0 / h1;
        double[] xv = x1.toDoubleArray(), a = d1.toDoubleArray(), b = d0.toDoubleArray(), got = x2.toDoubleArray();
        for (int k = 0; k < xv.length; k++) {
            double d = (1 + 1 / (2 * r)) * a[k] - 1 / (2 * r) * b[k];
            assertEquals(sg[2] / sg[1] * xv[k] - al[2] * (Math.exp(-h1) - 1) * d, got[k], 1e-10);
        }
        // into the data the last step returns x̂_0
        dpm.step(d1, 2, x2, null);
        assertArrayEquals(d0.toDoubleArray(), dpm.step(d0, 3, x2, null).prev().toDoubleArray(), 0);
        var e = assertThrows(IllegalStateException.class, () -> dpm.step(d0, 2, x, null));
        assertTrue(e.getMessage().contains("in order"), e.getMessage());
    }

    @Test
    void epsPredictionIsRefusedAtZeroTerminalSnr() {
        NoiseSchedule z = lin.rescaleZeroTerminalSnr();
        for (Runnable r : new Runnable[]{
                () -> DdimSampler.of(z, Prediction.EPS, 10, Spacing.TRAILING, 0),
                () -> DpmSolverPlusPlus2M.of(z, Prediction.EPS, 10, Spacing.TRAILING),
                () -> DdpmSampler.full(z, Prediction.EPS, VarianceType.FIXED_SMALL)}) {
            var e = assertThrows(IllegalArgumentException.class, r::run);
            assertTrue(e.getMessage().contains("zero terminal SNR") && e.getMessage().contains("v or x0"), e.getMessage());
        }
        // leading spacing never visits T−1, so ε-prediction is fine there
        assertDoesNotThrow(() -> DdimSampler.of(z, Prediction.EPS, 10, Spacing.LEADING, 0));
        // v-prediction at ᾱ = 0: x̂_0 = −v, finite
        Tensor x = randn(1, 2, 2), v = randn(2, 2, 2);
        StepResult r = DdimSampler.of(z, Prediction.V, 10, Spacing.TRAILING, 0).step(v, 0, x, null);
        assertArrayEquals(v.neg().toDoubleArray(), r.predX0().toDoubleArray(), 1e-15);
    }

    @Test
    void badListsAndIndicesAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> new DdimSampler(lin, Prediction.EPS, new long[]{10, 20}, 0, null));
        assertTrue(e.getMessage().contains("decrease"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DdimSampler(lin, Prediction.EPS, new long[]{1000, 20}, 0, null));
        assertTrue(e.getMessage().contains("1000") && e.getMessage().contains("0..999"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DdimSampler.of(lin, Prediction.EPS, 10, Spacing.LINSPACE, 1.5));
        assertTrue(e.getMessage().contains("η"), e.getMessage());
        DdimSampler s = DdimSampler.of(lin, Prediction.EPS, 10, Spacing.LINSPACE, 0);
        e = assertThrows(IllegalArgumentException.class, () -> s.step(randn(1, 2, 2), 10, randn(2, 2, 2), null));
        assertTrue(e.getMessage().contains("step index 10"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.step(randn(1, 2, 3), 0, randn(2, 2, 2), null));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DdpmSampler(lin, Prediction.EPS, VarianceType.FIXED_SMALL, new long[]{5}, null));
        assertTrue(e.getMessage().contains("at least 2"), e.getMessage());
    }
}
