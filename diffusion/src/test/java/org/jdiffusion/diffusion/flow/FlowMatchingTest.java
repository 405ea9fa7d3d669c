package org.jdiffusion.diffusion.flow;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.diffusion.sampling.SamplingLoop;
import org.jdiffusion.diffusion.sampling.Trajectory;
import org.jdiffusion.diffusion.toy.GaussianMixture;
import org.jdiffusion.diffusion.toy.MixtureMoments;
import org.jdiffusion.diffusion.toy.MixtureVelocity;
import org.jdiffusion.diffusion.toy.Mixtures;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flow matching on Gaussian-mixture data: the interpolant's algebra, the exact velocity against
 * the score (a network-free identity), the training times, the loss, and the Euler and Heun flow
 * samplers' orders of convergence and their samples' distribution.
 */
class FlowMatchingTest {
    static final GaussianMixture GM = Mixtures.THREE;

    @Test void interpolantTargetAndPredictedX0() {
        Tensor x0 = Rand.normal(new Generator(1), 0, 1, DType.FLOAT64, Device.CPU, 5, 2), eps = Rand.normal(new Generator(2), 0, 1, DType.FLOAT64, Device.CPU, 5, 2);
        Tensor t = Tensor.of(new double[]{0, 0.25, 0.5, 0.9, 1}, 5);
        Tensor xt = FlowMatching.interpolate(x0, eps, t);
        double[] a = x0.toDoubleArray(), e = eps.toDoubleArray(), x = xt.toDoubleArray(), ts = t.toDoubleArray();
        for (int i = 0; i < x.length; i++) assertEquals((1 - ts[i / 2]) * a[i] + ts[i / 2] * e[i], x[i], 1e-12);
        Tensor u = FlowMatching.target(x0, eps);
        for (int b = 0; b < 5; b++) {                            // x̂_0 = x_t − t·u recovers x_0 exactly
            Tensor row = FlowMatching.x0(xt.narrow(0, b, 1), u.narrow(0, b, 1), ts[b]);
            double[] r = row.toDoubleArray();
            for (int j = 0; j < 2; j++) assertEquals(a[2 * b + j], r[j], 1e-12);
        }
        assertEquals(0, FlowMatching.loss(Variable.constant(u), new FlowMatching.Batch(t, eps, xt, u)).item(), 0);
        var err = assertThrows(IllegalArgumentException.class, () -> FlowMatching.loss(Variable.constant(x0.narrow(1, 0, 1)), new FlowMatching.Batch(t, eps, xt, u)));
        assertTrue(err.getMessage().contains("does not fit the target"), err.getMessage());
    }

    /** v(x, t) = E[ε − x_0 | x_t = x] = −(x + t·∇log p_t(x))/(1 − t): the velocity from E[x_0 | x_t] against the score's formula. */
    @Test void exactVelocityMatchesTheScoreFormula() {
        MixtureVelocity v = new MixtureVelocity(GM);
        double[] x = Rand.normal(new Generator(3), 0, 1.5, DType.FLOAT64, Device.CPU, 40, 2).toDoubleArray();
        for (double t : new double[]{0.05, 0.3, 0.5, 0.8, 0.97}) {
            double[] got = v.velocity(x, t), score = GM.score(x, 1 - t, t);
            for (int i = 0; i < x.length; i++) assertEquals(-(x[i] + t * score[i]) / (1 - t), got[i], 1e-9 * (1 + Math.abs(got[i])), "t = " + t);
        }
        double[] at0 = v.velocity(x, 0), at1 = v.velocity(x, 1);
        double[] mean = new double[2];
        for (int k = 0; k < GM.components(); k++) for (int j = 0; j < 2; j++) mean[j] += GM.weight(k) * GM.mean(k)[j];
        for (int i = 0; i < x.length; i++) {
            assertEquals(-x[i], at0[i], 1e-12);                  // t = 0: E[ε] − x
            assertEquals(x[i] - mean[i % 2], at1[i], 1e-9);      // t = 1: x_1 = ε, so E[ε − x_0 | ε = x] = x − E[x_0]
        }
    }

    /** Monte-Carlo check of the same velocity: the mean of ε − x_0 over pairs weighted by p(x_t = x | x_0). */
    @Test void exactVelocityIsTheConditionalMeanOfTheTarget() {
        int n = 200_000;
        double t = 0.6;
        double[] x0 = GM.sample(new Generator(4), n, DType.FLOAT64).toDoubleArray();
        double[] x = {0.5, 0.2};
        double[] num = new double[2];
        double den = 0;
        for (int i = 0; i < n; i++) {                           // ε = (x − (1−t)·x_0)/t, weight N(x; (1−t)x_0, t²I)
            double e0 = (x[0] - (1 - t) * x0[2 * i]) / t, e1 = (x[1] - (1 - t) * x0[2 * i + 1]) / t;
            double w = Math.exp(-0.5 * (e0 * e0 + e1 * e1));
            num[0] += w * (e0 - x0[2 * i]);
            num[1] += w * (e1 - x0[2 * i + 1]);
            den += w;
        }
        double[] exact = new MixtureVelocity(GM).velocity(x, t);
        for (int j = 0; j < 2; j++) assertEquals(exact[j], num[j] / den, 0.02, "component " + j);
    }

    @Test void trainingTimes() {
        double[] u = FlowTimes.UNIFORM.sample(20000, new Generator(5), DType.FLOAT64, Device.CPU).toDoubleArray();
        double[] l = FlowTimes.parse("logit-normal:0.5:0.8").sample(20000, new Generator(6), DType.FLOAT64, Device.CPU).toDoubleArray();
        double mu = 0, ml = 0, vl = 0;
        for (double v : u) { assertTrue(v >= 0 && v < 1); mu += v / u.length; }
        for (double v : l) { assertTrue(v > 0 && v < 1); ml += Math.log(v / (1 - v)) / l.length; }
        for (double v : l) vl += Math.pow(Math.log(v / (1 - v)) - ml, 2) / l.length;
        assertEquals(0.5, mu, 0.01);
        assertEquals(0.5, ml, 0.02);
        assertEquals(0.8, Math.sqrt(vl), 0.02);
        assertEquals("logit-normal", FlowTimes.parse("Logit-Normal").key());
        var e = assertThrows(IllegalArgumentException.class, () -> FlowTimes.parse("beta"));
        assertTrue(e.getMessage().contains("expected uniform or logit-normal"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FlowTimes.parse("logit-normal:0:-1"));
        assertTrue(e.getMessage().contains("scale > 0"), e.getMessage());
    }

    /** Euler is first order and Heun second, against RK4 on dx/dt = v(x, t) from t = 1 to t = 0.2. */
    @Test void flowSamplersConvergeWithTheirOrders() {
        MixtureVelocity v = new MixtureVelocity(GM);
        Tensor start = Rand.normal(new Generator(7), 0, 1, DType.FLOAT64, Device.CPU, 24, 2);
        double end = 0.2;
        double[] ref = start.toDoubleArray();
        int steps = 2000;
        double h = -(1 - end) / steps;
        for (int k = 0; k < steps; k++) {
            double t = 1 + k * h;
            double[] k1 = v.velocity(ref, t), k2 = v.velocity(add(ref, k1, h / 2), t + h / 2), k3 = v.velocity(add(ref, k2, h / 2), t + h / 2),
                    k4 = v.velocity(add(ref, k3, h), t + h);
            for (int i = 0; i < ref.length; i++) ref[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
        }
        for (boolean heun : new boolean[]{false, true}) {
            double[] err = new double[3];
            int[] ns = {20, 40, 80};
            for (int j = 0; j < 3; j++) {
                double[] times = new double[ns[j] + 1];
                for (int k = 0; k <= ns[j]; k++) times[k] = 1 - (1 - end) * k / ns[j];
                Trajectory run = SamplingLoop.run(new FlowSampler(times, heun), v, start, null, null, true);
                double[] got = run.xs().get(ns[j]).toDoubleArray();
                double s = 0;
                for (int i = 0; i < got.length; i++) s += (got[i] - ref[i]) * (got[i] - ref[i]);
                err[j] = Math.sqrt(s / got.length);
            }
            double p = Math.log(err[1] / err[2]) / Math.log(2);
            String msg = (heun ? "flow-heun" : "flow-euler") + ": errors " + java.util.Arrays.toString(err) + ", order " + p;
            System.out.println(msg);
            assertTrue(heun ? p > 1.8 && p < 2.4 : p > 0.85 && p < 1.25, msg);
        }
    }

    @Test void flowHeunReproducesTheMixture() {
        FlowSampler s = new FlowSampler(40, true);
        assertEquals(79, s.evaluations());
        Tensor x = SamplingLoop.sample(s, new MixtureVelocity(GM), new int[]{8000, 2}, null, 9, DType.FLOAT64, Device.CPU);
        MixtureMoments.of(GM, x).assertMatches(GM, 0.02, 0.1, 0.15, "flow-heun 40");
    }

    private static double[] add(double[] x, double[] k, double h) {
        double[] r = new double[x.length];
        for (int i = 0; i < r.length; i++) r[i] = x[i] + h * k[i];
        return r;
    }
}
