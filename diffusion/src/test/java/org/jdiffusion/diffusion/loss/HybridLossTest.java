package org.jdiffusion.diffusion.loss;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.VarianceType;
import org.jdiffusion.diffusion.likelihood.VariationalBound;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Join;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class HybridLossTest {
    private final NoiseSchedule cos = NoiseSchedule.cosine(100);

    private static Tensor randn(long seed, int... shape) { return Rand.normal(new Generator(seed), 0, 1, DType.FLOAT64, Device.CPU, shape); }

    /** 8-bit data in [−1, 1]. */
    private static Tensor pixels(long seed, int... shape) {
        return Rand.randint(new Generator(seed), 0, 256, Device.CPU, shape).to(DType.FLOAT64).mul(2.0 / 255).sub(1);
    }

    @Test
    void vlbTermsAreTheBoundsTerms() {
        Tensor x0 = pixels(1, 4, 2, 3);
        NoisyBatch b = new DiffusionLoss(cos, Prediction.EPS).noisy(x0, Tensor.ofLongs(new long[]{0, 1, 50, 99}, 4), new Generator(2));
        Tensor out = Join.cat(List.of(randn(3, 4, 2, 3).mul(0.1).add(b.eps()), randn(4, 4, 2, 3).tanh()), 1);
        double[] got = new HybridLoss(cos, Prediction.EPS).compute(Variable.param(out), b, null).vlbPerSample().toDoubleArray();
        VariationalBound vb = new VariationalBound(cos, Prediction.EPS, VarianceType.LEARNED_RANGE);
        long[] ts = b.t().toLongArray();
        for (int i = 0; i < 4; i++) {
            Tensor xi = x0.narrow(0, i, 1), xti = b.xt().narrow(0, i, 1), oi = out.narrow(0, i, 1);
            double exact = vb.termBpd(xi, xti, (int) ts[i], oi).item();
            // t ≥ 1 the same KL; t = 0 the decoder with the tanh-approximated Φ
            assertEquals(exact, got[i], ts[i] == 0 ? 0.02 * Math.abs(exact) : 1e-9 * (1 + Math.abs(exact)), "t=" + ts[i]);
        }
    }

    @Test
    void theVlbTermTrainsTheVarianceOnly() {
        Tensor x0 = pixels(5, 6, 1, 4);
        NoisyBatch b = new DiffusionLoss(cos, Prediction.EPS).noisy(x0, Tensor.ofLongs(new long[]{0, 7, 20, 50, 80, 99}, 6), new Generator(6));
        Tensor out = Join.cat(List.of(randn(7, 6, 1, 4), randn(8, 6, 1, 4).tanh()), 1);
        HybridLoss h = new HybridLoss(cos, Prediction.EPS);
        Variable full = Variable.param(out), simpleOnly = Variable.param(out);
        HybridLoss.Terms terms = h.compute(full, b, null);
        terms.loss().backward();
        h.compute(simpleOnly, b, null).simple().backward();
        double[] g = full.grad().toDoubleArray(), gs = simpleOnly.grad().toDoubleArray();
        for (int i = 0; i < g.length; i++) {
            boolean meanChannel = (i / 4) % 2 == 0;
            if (meanChannel) assertEquals(gs[i], g[i], 1e-15, "the mean is detached in L_vlb");
            else assertEquals(0, gs[i], 0);
        }
        double varGrad = 0;
        for (int i = 0; i < g.length; i++) if ((i / 4) % 2 == 1) varGrad += Math.abs(g[i]);
        assertTrue(varGrad > 0, "the variance channels learn from L_vlb");
        // L_hybrid = L_simple + λ·T·mean(L_t)
        double vlb = java.util.Arrays.stream(terms.vlbPerSample().toDoubleArray()).average().orElseThrow() * 100;
        assertEquals(terms.simple().item() + 0.001 * vlb, terms.loss().item(), 1e-12);
        assertEquals(vlb, terms.vlb().item(), 1e-12);
    }

    @Test
    void importanceWeightsScaleTheVlb() {
        Tensor x0 = pixels(9, 3, 1, 2);
        NoisyBatch b = new DiffusionLoss(cos, Prediction.V).noisy(x0, Tensor.ofLongs(new long[]{3, 30, 60}, 3), new Generator(10));
        Tensor out = Join.cat(List.of(randn(11, 3, 1, 2), randn(12, 3, 1, 2).tanh()), 1);
        HybridLoss h = new HybridLoss(cos, Prediction.V);
        HybridLoss.Terms plain = h.compute(Variable.constant(out), b, null);
        HybridLoss.Terms weighted = h.compute(Variable.constant(out), b, Tensor.of(new double[]{2, 0, 1}, 3));
        double[] l = plain.vlbPerSample().toDoubleArray();
        assertEquals(100 * (2 * l[0] + l[2]) / 3, weighted.vlb().item(), 1e-12);
        var e = assertThrows(IllegalArgumentException.class, () -> h.compute(Variable.constant(randn(1, 3, 1, 2)), b, null));
        assertTrue(e.getMessage().contains("twice the channels"), e.getMessage());
    }
}
