package org.jdiffusion.diffusion.loss;

import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TimestepSamplerTest {

    @Test
    void uniformHasUnitWeights() {
        TimestepSampler.Draw d = new UniformTimesteps(10).sample(1000, new Generator(1), Device.CPU);
        for (long t : d.t().toLongArray()) assertTrue(t >= 0 && t < 10);
        for (double w : d.weights().toDoubleArray()) assertEquals(1, w);
    }

    @Test
    void importanceSamplingFollowsTheRootMeanSquareLoss() {
        int T = 8;
        ImportanceTimesteps s = new ImportanceTimesteps(T);
        // uniform until every timestep has ten losses
        assertFalse(s.warmedUp());
        for (double p : s.probabilities()) assertEquals(1.0 / T, p, 1e-15);
        for (int rep = 0; rep < 10; rep++) {
            long[] ts = new long[T];
            double[] ls = new double[T];
            for (int t = 0; t < T; t++) { ts[t] = t; ls[t] = (t + 1) * (rep % 2 == 0 ? 0.5 : 1.5); }
            s.update(Tensor.ofLongs(ts, T), Tensor.of(ls, T));
        }
        assertTrue(s.warmedUp());
        double[] p = s.probabilities();
        // √E[L_t²] = (t + 1)·√((0.25 + 2.25)/2), normalised, mixed with 0.001 uniform
        for (int t = 0; t < T; t++) assertEquals(0.999 * (t + 1) / 36.0 + 0.001 / T, p[t], 1e-12);
        int n = 40000;
        TimestepSampler.Draw d = s.sample(n, new Generator(2), Device.CPU);
        long[] ts = d.t().toLongArray();
        double[] w = d.weights().toDoubleArray();
        int[] counts = new int[T];
        double unbiased = 0;
        for (int i = 0; i < n; i++) {
            counts[(int) ts[i]]++;
            assertEquals(1 / (T * p[(int) ts[i]]), w[i], 1e-5);
            unbiased += w[i] * (ts[i] + 1) / n;           // E_p[w·L] = mean_t L_t
        }
        for (int t = 0; t < T; t++) assertEquals(p[t], counts[t] / (double) n, 4 * Math.sqrt(p[t] / n));
        assertEquals(4.5, unbiased, 0.05);
        var e = assertThrows(IllegalArgumentException.class, () -> new ImportanceTimesteps(T, 0, 0.001));
        assertTrue(e.getMessage().contains("history"), e.getMessage());
    }
}
