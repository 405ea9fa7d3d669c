package org.jdiffusion.diffusion;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ForwardProcessTest {
    private final NoiseSchedule schedule = NoiseSchedule.cosine(100);
    private final ForwardProcess q = new ForwardProcess(schedule);

    private static Tensor randn(long seed, int... shape) { return Rand.normal(new Generator(seed), 0, 1, DType.FLOAT64, Device.CPU, shape); }

    @Test
    void qSampleUsesEachSamplesTimestep() {
        Tensor x0 = randn(1, 3, 2, 4), eps = randn(2, 3, 2, 4);
        Tensor t = Tensor.ofLongs(new long[]{0, 57, 99}, 3);
        double[] xt = q.qSample(x0, t, eps).toDoubleArray(), a = x0.toDoubleArray(), e = eps.toDoubleArray();
        long[] ts = {0, 57, 99};
        for (int i = 0; i < xt.length; i++) {
            int b = i / 8;
            double expected = schedule.sqrtAlphaBar((int) ts[b]) * a[i] + schedule.sqrtOneMinusAlphaBar((int) ts[b]) * e[i];
            assertEquals(expected, xt[i], 1e-14);
        }
    }

    @Test
    void qSampleHasTheMarginalMoments() {
        // x_0 fixed, many ε: E[x_t] = √ᾱ·x_0, Var[x_t] = 1 − ᾱ
        int n = 20000;
        Tensor x0 = Tensor.full(0.7, DType.FLOAT64, Device.CPU, n, 1);
        Tensor t = Tensor.ofLongs(new long[n], n).add(Tensor.ofLongs(new long[]{40}, 1));
        double[] xt = q.qSample(x0, t, randn(3, n, 1)).toDoubleArray();
        double mean = 0, sq = 0;
        for (double v : xt) { mean += v; sq += v * v; }
        mean /= n;
        double var = sq / n - mean * mean;
        double ab = schedule.alphaBar(40);
        assertEquals(Math.sqrt(ab) * 0.7, mean, 4 * Math.sqrt((1 - ab) / n));
        assertEquals(1 - ab, var, 4 * (1 - ab) * Math.sqrt(2.0 / n));
        ForwardProcess.Gaussian m = q.qMarginal(x0.narrow(0, 0, 1), Tensor.ofLongs(new long[]{40}, 1));
        assertEquals(Math.sqrt(ab) * 0.7, m.mean().item(), 1e-14);
        assertEquals(1 - ab, m.variance().item(), 1e-14);
    }

    @Test
    void posteriorMatchesScheduleCoefficients() {
        Tensor x0 = randn(4, 2, 3), xt = randn(5, 2, 3);
        Tensor t = Tensor.ofLongs(new long[]{0, 33}, 2);
        ForwardProcess.Gaussian p = q.qPosterior(x0, xt, t);
        double[] m = p.mean().toDoubleArray(), a = x0.toDoubleArray(), b = xt.toDoubleArray();
        for (int i = 0; i < 6; i++) {
            int tt = i < 3 ? 0 : 33;
            assertEquals(schedule.posteriorMeanCoef1(tt) * a[i] + schedule.posteriorMeanCoef2(tt) * b[i], m[i], 1e-14);
        }
        assertEquals(0, p.variance().toDoubleArray()[0], 0);   // at t = 0 the posterior is the data
        assertArrayEquals(new int[]{2, 1}, p.variance().shape());
        assertEquals(schedule.posteriorLogVarianceClipped(33), p.logVariance().toDoubleArray()[1], 1e-14);
    }

    @Test
    void conversionsAreMutuallyConsistent() {
        for (Prediction from : Prediction.values()) {
            Tensor x0 = randn(6, 4, 3), eps = randn(7, 4, 3);
            Tensor t = Tensor.ofLongs(new long[]{0, 10, 50, 99}, 4);
            Tensor a = q.sqrtAlphaBar(t, x0), s = q.sqrtOneMinusAlphaBar(t, x0);
            Tensor xt = q.qSample(x0, t, eps);
            Tensor out = Parameterization.output(from, x0, eps, a, s);
            assertClose(x0, Parameterization.x0(from, out, xt, a, s), 1e-9, from + "→x0");
            assertClose(eps, Parameterization.eps(from, out, xt, a, s), 1e-9, from + "→eps");
            Tensor v = Parameterization.velocity(x0, eps, a, s);
            assertClose(v, Parameterization.target(Prediction.V, x0, eps, a, s), 0, "target v");
            // v-identities of Salimans & Ho: x_0 = a·x_t − s·v, ε = s·x_t + a·v
            assertClose(x0, a.mul(xt).sub(s.mul(v)), 1e-12, "x0 from v");
            assertClose(eps, s.mul(xt).add(a.mul(v)), 1e-12, "eps from v");
        }
    }

    @Test
    void badTimestepsAreNamed() {
        Tensor x0 = randn(8, 3, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> q.qSample(x0, Tensor.ofLongs(new long[]{1, 2}, 2), randn(9, 3, 2)));
        assertTrue(e.getMessage().contains("qSample") && e.getMessage().contains("[2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> q.qSample(x0, Tensor.of(new double[]{1, 2, 3}, 3), randn(9, 3, 2)));
        assertTrue(e.getMessage().contains("int64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> q.qSample(x0, Tensor.ofLongs(new long[]{1, 2, 3}, 3), randn(9, 3, 3)));
        assertTrue(e.getMessage().contains("one shape"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> q.qSample(x0, Tensor.ofLongs(new long[]{1, 100, 3}, 3), randn(9, 3, 2)));
        assertTrue(e.getMessage().contains("timestep 100") && e.getMessage().contains("0..99"), e.getMessage());
    }

    static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++)
            assertEquals(e[i], a[i], tol * (1 + Math.abs(e[i])), what + " at " + i);
    }
}
