package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.flow.FlowMatching;
import org.jdiffusion.diffusion.toy.GaussianMixture;
import org.jdiffusion.diffusion.toy.MixtureDenoiser;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stochastic samplers converge in distribution, measured exactly (no Monte Carlo): on a
 * one-component mixture (1-D Gaussian data N(μ, s²)) the exact denoiser is affine, so a run is
 * x_end = A·x_start + B + Σ_k C_k·z_k. One batch of probe rows recovers A, B and every C_k — row 0
 * starts at the marginal's mean m_0 with all noise 0, row 1 at m_0 + sd_0, row 2 + k at m_0 with only
 * the k-th noise draw 1 — so the run's output law N(B', A²·sd_0² + Σ C_k²) is known exactly. It must
 * approach the true marginal q(x_t) at the last grid point as n grows, with weak order about 1 (the
 * first-order noise splitting of all three). The ODE samplers are checked the same way.
 */
class WeakConvergenceTest {
    static final double MU = 0.5, S = 0.3;
    static final GaussianMixture ONE = new GaussianMixture(new double[]{1}, new double[][]{{MU}}, new double[][][]{{{S * S}}});
    static final NoiseSchedule FINE = ConvergenceOrderTest.FINE;

    /** Returns the k-th draw as a batch that is 1 in row 2 + k and 0 elsewhere. */
    static final class ProbeNoise implements Noise {
        int calls;

        @Override public Tensor normalLike(Tensor x) {
            int rows = x.size(0);
            HostStorage h = HostStorage.allocate(DType.FLOAT64, rows);
            if (2 + calls >= rows) throw new AssertionError("more noise draws than probe rows");
            h.set(2 + calls++, 1.0);
            return Tensor.fromHost(h, new int[]{rows, 1}, Device.CPU);
        }
    }

    /** |mean error| + |variance error| of the run's law at the last grid point against q(x_t) there. */
    static double lawError(Function<long[], Solver> build, int n) {
        long[] ts = ConvergenceOrderTest.grid(FINE, n);
        int rows = 2 + 2 * n + 2;
        double a0 = FINE.sqrtAlphaBar((int) ts[0]), s0 = FINE.sqrtOneMinusAlphaBar((int) ts[0]);
        double m0 = a0 * MU, sd0 = Math.sqrt(a0 * a0 * S * S + s0 * s0);
        double[] start = new double[rows];
        java.util.Arrays.fill(start, m0);
        start[1] = m0 + sd0;
        Tensor x = Tensor.of(start, rows, 1);
        Trajectory run = SamplingLoop.run(build.apply(ts), new MixtureDenoiser(FINE, Prediction.EPS, ONE), x, null, new ProbeNoise(), true);
        double[] out = run.xs().get(n - 1).toDoubleArray();
        double mean = out[0], a = out[1] - out[0], var = a * a;
        for (int r = 2; r < rows; r++) var += (out[r] - out[0]) * (out[r] - out[0]);
        long tEnd = ts[n - 1];
        double aE = FINE.sqrtAlphaBar((int) tEnd), sE = FINE.sqrtOneMinusAlphaBar((int) tEnd);
        return Math.abs(mean - aE * MU) + Math.abs(var - (aE * aE * S * S + sE * sE));
    }

    static void weakOrder(String name, Function<long[], Solver> build, double lo, double hi) {
        double e1 = lawError(build, 20), e2 = lawError(build, 40), e3 = lawError(build, 80);
        double p = Math.log(e2 / e3) / Math.log(2);
        String msg = String.format(java.util.Locale.ROOT, "%s: law errors %.3g, %.3g, %.3g at n = 20, 40, 80; weak order %.2f (expected %.1f to %.1f)",
                name, e1, e2, e3, p, lo, hi);
        System.out.println(msg);
        assertTrue(e1 > e2 && e2 > e3, msg);
        assertTrue(p >= lo && p <= hi, msg);
    }

    @Test void stochasticSamplersConvergeInLaw() {
        weakOrder("euler-a (η = 1)", ts -> new EulerSampler(FINE, Prediction.EPS, ts, 1, null), 0.8, 1.3);
        weakOrder("ddim η = 1", ts -> new DdimSampler(FINE, Prediction.EPS, ts, 1, null), 0.8, 1.3);
        weakOrder("dpmpp-sde (η = 1)", ts -> new DpmSolverPlusPlusSde(FINE, Prediction.EPS, ts, 1, null), 1.7, 2.8);
        weakOrder("heun with S_churn = 10", ts -> new HeunSampler(FINE, Prediction.EPS, ts, 10, 0, Double.POSITIVE_INFINITY, 1, null), 0.8, 2.3);
    }

    @Test void deterministicSamplersConvergeInLaw() {
        weakOrder("euler", ts -> new EulerSampler(FINE, Prediction.EPS, ts, 0, null), 0.8, 1.3);
        weakOrder("heun", ts -> new HeunSampler(FINE, Prediction.EPS, ts, null), 1.7, 2.4);
        weakOrder("unipc", ts -> new UniPcSampler(FINE, Prediction.EPS, ts, 2, true, null), 2.5, 3.6);
    }
}
