package org.jdiffusion.diffusion.continuous;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.diffusion.sampling.Noise;
import org.jdiffusion.diffusion.sampling.Trajectory;
import org.jdiffusion.diffusion.toy.GaussianMixture;
import org.jdiffusion.diffusion.toy.MixtureMoments;
import org.jdiffusion.diffusion.toy.Mixtures;
import org.jdiffusion.diffusion.toy.VeMixtureDenoiser;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The variance-exploding process of Nakkiran et al. on the 2-D mixture, driven by its exact f. */
class VeProcessTest {
    static final GaussianMixture GM = Mixtures.THREE;
    static final double SIGMA_Q = 3;

    /** x_1 drawn from the true marginal x_0 + N(0, σ_q²), isolating the samplers' own error. */
    private static Tensor trueX1(int n, long seed) {
        Generator g = new Generator(seed);
        return GM.sample(g, n, DType.FLOAT64).add(Rand.normal(g, 0, SIGMA_Q, DType.FLOAT64, Device.CPU, n, 2));
    }

    /**
     * Both samplers are first order in Δt with steps uniform in t, and their error lives where
     * σ_q²·Δt is not small against the data's variance; with σ_q near the data's spread and 1000
     * steps it is a few per cent. x_1 comes from the true marginal so only the samplers are judged.
     */
    @Test
    void ddpmAndDdimSamplersReproduceTheMixture() {
        int n = 4000;
        VeProcess ve = new VeProcess(SIGMA_Q, 1000);
        VeDenoiser f = new VeMixtureDenoiser(GM, SIGMA_Q, ve.dt());
        MixtureMoments.of(GM, ve.sampleDdpm(f, trueX1(n, 1), Noise.perSample(2, 0), false).sample())
                .assertMatches(GM, 0.025, 0.1, 0.15, "VE DDPM (Pseudocode 2), 1000 steps");
        MixtureMoments.of(GM, ve.sampleDdim(f, trueX1(n, 3), false).sample())
                .assertMatches(GM, 0.025, 0.1, 0.15, "VE DDIM (Pseudocode 3), 1000 steps");
    }

    @Test
    void priorIsNormalWithVarianceSigmaQSquared() {
        VeProcess ve = new VeProcess(SIGMA_Q, 10);
        double[] x = ve.prior(new int[]{20000, 2}, Noise.perSample(5, 0), DType.FLOAT64, Device.CPU).toDoubleArray();
        double m = 0, v = 0;
        for (double d : x) { m += d / x.length; v += d * d / x.length; }
        assertEquals(0, m, 4 * SIGMA_Q / Math.sqrt(x.length));
        assertEquals(SIGMA_Q * SIGMA_Q, v, 4 * SIGMA_Q * SIGMA_Q * Math.sqrt(2.0 / x.length));
    }

    @Test
    void ddimIsDeterministicAndTraceable() {
        VeProcess ve = new VeProcess(SIGMA_Q, 50);
        VeDenoiser f = new VeMixtureDenoiser(GM, SIGMA_Q, ve.dt());
        Tensor x1 = ve.prior(new int[]{16, 2}, Noise.perSample(6, 0), DType.FLOAT64, Device.CPU);
        Trajectory a = ve.sampleDdim(f, x1, true), b = ve.sampleDdim(f, x1, false);
        assertArrayEquals(a.sample().toDoubleArray(), b.sample().toDoubleArray(), 0);
        assertEquals(51, a.xs().size());
        assertEquals(50, a.predX0s().size());
        assertEquals(50, a.timesteps()[0]);
        // per-sample noise: DDPM's sample 3 is the same alone or in a batch
        Tensor all = ve.sampleDdpm(f, x1, Noise.perSample(7, 0), false).sample();
        Tensor one = ve.sampleDdpm(f, x1.narrow(0, 3, 1).contiguous(), Noise.perSample(7, 3), false).sample();
        assertArrayEquals(all.narrow(0, 3, 1).contiguous().toDoubleArray(), one.toDoubleArray(), 0);
    }

    @Test
    void trainingPairsFollowPseudocodeOne() {
        VeProcess ve = new VeProcess(2.0, 10);
        int n = 40000;
        Tensor x0 = Tensor.full(0.5, DType.FLOAT64, Device.CPU, n, 1);
        VeProcess.Example e = ve.example(x0, new Generator(8));
        double[] t = e.time().toDoubleArray(), in = e.input().toDoubleArray(), tg = e.target().toDoubleArray();
        double sumT = 0, incr = 0, incrSq = 0, resid = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(t[i] >= ve.dt() && t[i] <= 1, "t + Δt in [Δt, 1]: " + t[i]);
            sumT += t[i];
            double d = in[i] - tg[i];
            incr += d; incrSq += d * d;
            double z = (tg[i] - 0.5) / Math.sqrt(4 * (t[i] - ve.dt()) + 1e-300);
            resid += z * z;
        }
        assertEquals(0.55, sumT / n, 0.01);                             // t + Δt ~ U[Δt, 1]
        assertEquals(0, incr / n, 0.01);
        assertEquals(4 * ve.dt(), incrSq / n, 0.02);                   // x_{t+Δt} − x_t ~ N(0, σ_q² Δt)
        assertEquals(1, resid / n, 0.05);                              // x_t − x_0 ~ N(0, σ_q² t)
        // the loss is the squared error against x_t; the exact f is its minimiser in expectation
        Variable perfect = Variable.constant(e.target());
        assertEquals(0, ve.loss(perfect, e).item(), 0);
        var ex = assertThrows(IllegalArgumentException.class, () -> new VeProcess(0, 10));
        assertTrue(ex.getMessage().contains("σ_q"), ex.getMessage());
    }
}
