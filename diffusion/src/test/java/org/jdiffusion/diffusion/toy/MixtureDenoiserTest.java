package org.jdiffusion.diffusion.toy;

import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class MixtureDenoiserTest {
    static final GaussianMixture GM = new GaussianMixture(
            new double[]{0.5, 0.3, 0.2},
            new double[][]{{-1.5, -0.5}, {1.5, -0.5}, {0, 1.5}},
            new double[][][]{{{0.09, 0.03}, {0.03, 0.06}}, {{0.04, 0}, {0, 0.16}}, {{0.1, -0.04}, {-0.04, 0.05}}});

    @Test
    void posteriorMeanMatchesImportanceSampling() {
        // E[x_0 | x_t] = E_{x_0~p}[x_0·N(x_t; a·x_0, s²)] / E_{x_0~p}[N(x_t; a·x_0, s²)], estimated from draws of p
        int n = 200_000;
        double[] x0 = GM.sample(new Generator(11), n, DType.FLOAT64).toDoubleArray();
        double a = 0.6, s = 0.8;
        double[] xt = {0.3, 0.2};
        double wsum = 0, m0 = 0, m1 = 0;
        for (int i = 0; i < n; i++) {
            double d0 = xt[0] - a * x0[2 * i], d1 = xt[1] - a * x0[2 * i + 1];
            double w = Math.exp(-(d0 * d0 + d1 * d1) / (2 * s * s));
            wsum += w; m0 += w * x0[2 * i]; m1 += w * x0[2 * i + 1];
        }
        double[] exact = GM.posteriorMean(xt, a, s);
        assertEquals(m0 / wsum, exact[0], 0.01);
        assertEquals(m1 / wsum, exact[1], 0.01);
    }

    @Test
    void scoreIsTheGradientOfTheLogDensity() {
        double a = 0.8, s = 0.6, h = 1e-6;
        double[] x = {0.4, -0.3, -1.2, 0.9};
        double[] score = GM.score(x, a, s);
        for (int i = 0; i < x.length; i++) {
            double[] up = x.clone(), dn = x.clone();
            up[i] += h; dn[i] -= h;
            int row = i / 2;
            double fd = (GM.logDensity(up, a, s)[row] - GM.logDensity(dn, a, s)[row]) / (2 * h);
            assertEquals(fd, score[i], 1e-6);
        }
        // Tweedie: E[x_0 | x_t] = (x_t + s²·∇ log p_t) / a
        double[] m = GM.posteriorMean(x, a, s);
        for (int i = 0; i < x.length; i++) assertEquals((x[i] + s * s * score[i]) / a, m[i], 1e-12);
    }

    @Test
    void outputsAgreeAcrossParameterisations() {
        NoiseSchedule sch = NoiseSchedule.linear(1000);
        Tensor xt = GM.sample(new Generator(3), 6, DType.FLOAT64);
        Tensor t = Tensor.ofLongs(new long[]{0, 100, 400, 700, 900, 999}, 6);
        Tensor eps = new MixtureDenoiser(sch, Prediction.EPS, GM).predict(xt, t, null);
        Tensor x0 = new MixtureDenoiser(sch, Prediction.X0, GM).predict(xt, t, null);
        Tensor v = new MixtureDenoiser(sch, Prediction.V, GM).predict(xt, t, null);
        double[] e = eps.toDoubleArray(), z = x0.toDoubleArray(), w = v.toDoubleArray(), x = xt.toDoubleArray();
        long[] ts = t.toLongArray();
        for (int i = 0; i < x.length; i++) {
            int tt = (int) ts[i / 2];
            double a = sch.sqrtAlphaBar(tt), s = sch.sqrtOneMinusAlphaBar(tt);
            assertEquals(x[i], a * z[i] + s * e[i], 1e-12);
            assertEquals(a * e[i] - s * z[i], w[i], 1e-12);
        }
    }

    @Test
    void classesSelectTheirComponents() {
        NoiseSchedule sch = NoiseSchedule.linear(1000);
        MixtureDenoiser d = new MixtureDenoiser(sch, Prediction.X0, GM, new int[]{0, 0, 1}, 2);
        Tensor xt = Tensor.of(new double[]{0, 0, 0, 0, 0, 0}, 3, 2);
        Tensor t = Tensor.ofLongs(new long[]{999, 999, 999}, 3);
        double[] x0 = d.predict(xt, t, Tensor.ofLongs(new long[]{0, 1, 2}, 3)).toDoubleArray();
        // at t = T−1 the data is nearly forgotten: E[x_0 | x_t ≈ 0] ≈ the mean of the selected mixture
        assertEquals((0.5 * -1.5 + 0.3 * 1.5) / 0.8, x0[0], 0.01);
        assertEquals(0, x0[2], 0.01);
        assertEquals(1.5, x0[3], 0.01);
        assertEquals(0.5 * -1.5 + 0.3 * 1.5, x0[4], 0.01);
        var e = assertThrows(IllegalArgumentException.class, () -> d.predict(xt, t, Tensor.ofLongs(new long[]{0, 7, 2}, 3)));
        assertTrue(e.getMessage().contains("unknown class 7"), e.getMessage());
    }

    @Test
    void badMixturesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new GaussianMixture(new double[]{1}, new double[][]{{0, 0}}, new double[][][]{{{1, 2}, {2, 1}}}));
        assertTrue(e.getMessage().contains("positive definite"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new GaussianMixture(new double[]{1, 1}, new double[][]{{0, 0}}, new double[][][]{{{1, 0}, {0, 1}}}));
        assertTrue(e.getMessage().contains("one of each"), e.getMessage());
    }
}
