package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.VarianceType;
import org.jdiffusion.diffusion.toy.MixtureDenoiser;
import org.jdiffusion.diffusion.toy.Mixtures;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Seeds, per-sample noise streams, the deterministic ODE and its inversion, trace mode. */
class DeterminismTest {
    private final NoiseSchedule lin = NoiseSchedule.linear(1000);
    private final Denoiser model = new MixtureDenoiser(lin, Prediction.EPS, Mixtures.THREE);

    @Test
    void perSampleNoiseIsRandNormalOfEachSamplesStream() {
        Noise n = Noise.perSample(42, 5);
        Tensor like = Tensor.zeros(DType.FLOAT32, Device.CPU, 3, 2, 2);
        Tensor first = n.normalLike(like), second = n.normalLike(like);
        for (int b = 0; b < 3; b++) {
            Generator g = new Generator(42).fork(5 + b);
            assertArrayEquals(Rand.normal(g, 0, 1, DType.FLOAT32, Device.CPU, 2, 2).toFloatArray(), first.select(0, b).contiguous().toFloatArray());
            assertArrayEquals(Rand.normal(g, 0, 1, DType.FLOAT32, Device.CPU, 2, 2).toFloatArray(), second.select(0, b).contiguous().toFloatArray());
        }
    }

    @Test
    void aSampleDoesNotDependOnItsBatch() {
        // stochastic DDPM (50 respaced steps) and DPM-Solver: samples 3..5 drawn alone equal rows 3..5 of a batch of 8
        Sampler[] samplers = {
                new DdpmSampler(lin, Prediction.EPS, VarianceType.FIXED_LARGE, Spacing.LINSPACE.timesteps(lin, 50), null),
                DdimSampler.of(lin, Prediction.EPS, 30, Spacing.TRAILING, 0.5),
                DpmSolverPlusPlus2M.of(lin, Prediction.EPS, 15, Spacing.QUADRATIC)};
        for (Sampler s : samplers) {
            Tensor all = SamplingLoop.sample(s, model, new int[]{8, 2}, null, 2024, 0, DType.FLOAT32, Device.CPU, false).sample();
            Tensor part = SamplingLoop.sample(s, model, new int[]{3, 2}, null, 2024, 3, DType.FLOAT32, Device.CPU, false).sample();
            assertArrayEquals(all.narrow(0, 3, 3).contiguous().toFloatArray(), part.toFloatArray(), s.getClass().getSimpleName());
            Tensor again = SamplingLoop.sample(s, model, new int[]{8, 2}, null, 2024, 0, DType.FLOAT32, Device.CPU, false).sample();
            assertArrayEquals(all.toFloatArray(), again.toFloatArray(), "same seed, same samples");
            Tensor other = SamplingLoop.sample(s, model, new int[]{8, 2}, null, 2025, 0, DType.FLOAT32, Device.CPU, false).sample();
            assertFalse(java.util.Arrays.equals(all.toFloatArray(), other.toFloatArray()), "another seed, other samples");
        }
    }

    @Test
    void theDdimOdeIsDeterministicGivenItsStart() {
        DdimSampler s = DdimSampler.of(lin, Prediction.EPS, 40, Spacing.LINSPACE, 0);
        Tensor xT = Noise.perSample(9, 0).normalLike(Tensor.zeros(DType.FLOAT64, Device.CPU, 64, 2));
        Tensor a = SamplingLoop.run(s, model, xT, null, Noise.perSample(1, 0), false).sample();
        Tensor b = SamplingLoop.run(s, model, xT, null, Noise.perSample(777, 0), false).sample();
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray(), 0, "η = 0 draws no noise");
    }

    @Test
    void ddimInversionReturnsToItsStart() {
        long[] ts = Spacing.LINSPACE.timesteps(lin, 100);
        DdimSampler s = new DdimSampler(lin, Prediction.EPS, ts, 0, null);
        Tensor xT = Noise.perSample(10, 0).normalLike(Tensor.zeros(DType.FLOAT64, Device.CPU, 200, 2));
        Tensor x0 = SamplingLoop.run(s, model, xT, null, null, false).sample();
        Tensor back = new DdimInversion(lin, Prediction.EPS, ts, 5).invert(model, x0, null, false).sample();
        assertEquals(0, maxAbs(back, xT), 1e-5, "x_0 → x_T with fixed-point refinement");
        double plain = maxAbs(new DdimInversion(lin, Prediction.EPS, ts, 0).invert(model, x0, null, false).sample(), xT);
        assertTrue(plain < 0.5, "one-evaluation inversion is approximate but close: " + plain);
        // and the other way: data → x_T → data
        Tensor data = Mixtures.THREE.sample(new Generator(3), 200, DType.FLOAT64);
        Tensor z = new DdimInversion(lin, Prediction.EPS, ts, 5).invert(model, data, null, false).sample();
        assertEquals(0, maxAbs(SamplingLoop.run(s, model, z, null, null, false).sample(), data), 1e-5);
    }

    @Test
    void traceKeepsEveryStateAndPrediction() {
        DdimSampler s = DdimSampler.of(lin, Prediction.EPS, 12, Spacing.TRAILING, 0);
        Trajectory tr = SamplingLoop.sample(s, model, new int[]{5, 2}, null, 3, 0, DType.FLOAT64, Device.CPU, true);
        assertEquals(13, tr.xs().size());
        assertEquals(12, tr.predX0s().size());
        assertArrayEquals(s.timesteps(), tr.timesteps());
        assertSame(tr.sample(), tr.xs().get(12));
        // into the data, DDIM's last state is its last x̂_0
        assertArrayEquals(tr.predX0s().get(11).toDoubleArray(), tr.sample().toDoubleArray(), 1e-12);
        Trajectory plain = SamplingLoop.sample(s, model, new int[]{5, 2}, null, 3, 0, DType.FLOAT64, Device.CPU, false);
        assertTrue(plain.xs().isEmpty() && plain.predX0s().isEmpty());
        assertArrayEquals(tr.sample().toDoubleArray(), plain.sample().toDoubleArray(), 0);
    }

    @Test
    void x0TransformsClipAndThreshold() {
        Tensor x0 = Tensor.of(new double[]{-3, 0.5, 2, 0.1, 0.2, -0.3}, 2, 3);
        assertArrayEquals(new double[]{-1, 0.5, 1, 0.1, 0.2, -0.3}, X0Transform.clip(-1, 1).apply(x0).toDoubleArray(), 0);
        // sample 0: |x| = {3, 0.5, 2}, the 50th percentile is 2 → clamp to ±2 then /2; sample 1 stays (s = max(1, ·) = 1)
        double[] d = X0Transform.dynamicThreshold(0.5, 10).apply(x0).toDoubleArray();
        assertArrayEquals(new double[]{-1, 0.25, 1, 0.1, 0.2, -0.3}, d, 1e-15);
        // maxValue caps s
        assertArrayEquals(new double[]{-1, 1.0 / 3, 1, 0.1, 0.2, -0.3}, X0Transform.dynamicThreshold(0.5, 1.5).apply(x0).toDoubleArray(), 1e-15);
        var e = assertThrows(IllegalArgumentException.class, () -> X0Transform.dynamicThreshold(0, 1));
        assertTrue(e.getMessage().contains("percentile"), e.getMessage());
        // a clipping DDIM keeps its samples in range
        DdimSampler s = new DdimSampler(lin, Prediction.EPS, Spacing.LINSPACE.timesteps(lin, 20), 0, X0Transform.clip(-1, 1));
        double[] out = SamplingLoop.sample(s, model, new int[]{100, 2}, null, 4, DType.FLOAT64, Device.CPU).toDoubleArray();
        for (double v : out) assertTrue(v >= -1 - 1e-12 && v <= 1 + 1e-12, "clipped sample " + v);
    }

    @Test
    void badSampleRequestsAreNamed() {
        DdimSampler s = DdimSampler.of(lin, Prediction.EPS, 5, Spacing.TRAILING, 0);
        var e = assertThrows(IllegalArgumentException.class,
                () -> SamplingLoop.sample(s, model, new int[]{4, 2}, Tensor.ofLongs(new long[]{1, 2}, 2), 1, DType.FLOAT32, Device.CPU));
        assertTrue(e.getMessage().contains("labels") && e.getMessage().contains("4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Noise.perSample(1, -1));
        assertTrue(e.getMessage().contains("first sample index"), e.getMessage());
    }

    private static double maxAbs(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray(), y = b.toDoubleArray();
        double m = 0;
        for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
        return m;
    }
}
