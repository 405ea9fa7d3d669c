package org.jdiffusion.diffusion.guidance;

import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.diffusion.NoiseSchedule;
import org.jdiffusion.diffusion.Prediction;
import org.jdiffusion.diffusion.VarianceType;
import org.jdiffusion.diffusion.sampling.DdimSampler;
import org.jdiffusion.diffusion.sampling.DdpmSampler;
import org.jdiffusion.diffusion.sampling.SamplingLoop;
import org.jdiffusion.diffusion.sampling.Spacing;
import org.jdiffusion.diffusion.toy.GaussianMixture;
import org.jdiffusion.diffusion.toy.MixtureDenoiser;
import org.jdiffusion.diffusion.toy.MixtureMoments;
import org.jdiffusion.diffusion.toy.Mixtures;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Join;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Classifier-free and classifier guidance on a two-class mixture whose conditionals are exact. */
class GuidanceTest {
    static final GaussianMixture GM = Mixtures.TWO_CLASSES;
    static final long NULL = 2;
    private final NoiseSchedule lin = NoiseSchedule.linear(1000);
    private final MixtureDenoiser exact = new MixtureDenoiser(lin, Prediction.EPS, GM, new int[]{0, 1}, NULL);

    private static Tensor labels(long v, int n) { return Tensor.full(v, DType.INT64, Device.CPU, n); }

    @Test
    void cfgIsTheFormulaInOneDoubledBatch() {
        List<int[]> calls = new ArrayList<>();
        Denoiser spy = (x, t, y) -> { calls.add(x.shape()); return exact.predict(x, t, y); };
        Tensor x = Rand.normal(new Generator(1), 0, 1, DType.FLOAT64, Device.CPU, 5, 2);
        Tensor t = Tensor.ofLongs(new long[]{10, 300, 600, 900, 999}, 5);
        Tensor y = Tensor.ofLongs(new long[]{0, 1, 0, 1, 1}, 5);
        double[] c = exact.predict(x, t, y).toDoubleArray(), u = exact.predict(x, t, labels(NULL, 5)).toDoubleArray();
        for (double w : new double[]{0, 1, 3.5, -0.5}) {
            calls.clear();
            double[] got = new ClassifierFreeGuidance(spy, w, NULL).predict(x, t, y).toDoubleArray();
            for (int i = 0; i < got.length; i++) assertEquals(u[i] + w * (c[i] - u[i]), got[i], 1e-12, "w=" + w);
            assertEquals(1, calls.size(), "one model evaluation");
            if (w != 0 && w != 1) assertArrayEquals(new int[]{10, 2}, calls.get(0), "the doubled batch");
        }
        // with a learned variance only the mean channels are guided; the conditional variance is kept
        Denoiser lv = (xx, tt, yy) -> {
            double[] v = new double[xx.size(0) * 4];
            for (int b = 0; b < xx.size(0); b++)
                for (int k = 0; k < 4; k++) v[b * 4 + k] = yy.toLongArray()[b] == NULL ? -k : 10 + k;
            return Tensor.of(v, xx.size(0), 4);
        };
        double[] got = new ClassifierFreeGuidance(lv, 2, NULL, true).predict(x.narrow(0, 0, 1).contiguous(), t.narrow(0, 0, 1),
                y.narrow(0, 0, 1)).toDoubleArray();
        assertArrayEquals(new double[]{20, 23, 12, 13}, got, 1e-12);   // u + 2(c − u) = 2c − u on channels 0, 1
        var e = assertThrows(IllegalArgumentException.class, () -> new ClassifierFreeGuidance(exact, 2, NULL).predict(x, t, null));
        assertTrue(e.getMessage().contains("needs labels"), e.getMessage());
    }

    private Tensor sample(Denoiser model, long label, int n, long seed) {
        DdimSampler s = DdimSampler.of(lin, Prediction.EPS, 100, Spacing.LINSPACE, 0);
        return SamplingLoop.sample(s, model, new int[]{n, 2}, labels(label, n), seed, DType.FLOAT64, Device.CPU);
    }

    @Test
    void cfgScalesSelectTheirDistributions() {
        int n = 8000;
        // w = 0: the whole mixture (weights 0.6 / 0.4); w = 1: class 1 alone
        MixtureMoments.of(GM, sample(new ClassifierFreeGuidance(exact, 0, NULL), 1, n, 1)).assertMatches(GM, 0.02, 0.1, 0.1, "w = 0");
        Tensor cond = sample(new ClassifierFreeGuidance(exact, 1, NULL), 1, n, 2);
        GaussianMixture class1 = exact.mixtureOf(1);
        MixtureMoments.of(class1, cond).assertMatches(class1, 0, 0.1, 0.1, "w = 1");
        // w = 3: sharper than the conditional and pushed away from class 0 (p(x|c)^w·p(x)^(1−w))
        Tensor guided = sample(new ClassifierFreeGuidance(exact, 3, NULL), 1, n, 2);
        MixtureMoments m1 = MixtureMoments.of(class1, cond), m3 = MixtureMoments.of(class1, guided);
        double tr1 = m1.covariances()[0][0][0] + m1.covariances()[0][1][1], tr3 = m3.covariances()[0][0][0] + m3.covariances()[0][1][1];
        assertTrue(tr3 < 0.6 * tr1, "guided covariance trace " + tr3 + " vs conditional " + tr1);
        assertTrue(m3.means()[0][0] > m1.means()[0][0], "guided mean moves away from class 0: " + m3.means()[0][0] + " vs " + m1.means()[0][0]);
    }

    @Test
    void conditionDropoutReplacesLabelsWithProbabilityP() {
        int n = 20000;
        Tensor y = Rand.randint(new Generator(4), 0, 2, Device.CPU, n);
        ConditionDropout d = new ConditionDropout(NULL);
        assertEquals(0.1, d.pUncond());
        long[] a = d.apply(y, new Generator(5)).toLongArray(), b = d.apply(y, new Generator(5)).toLongArray(), orig = y.toLongArray();
        assertArrayEquals(a, b, "same generator, same drops");
        int dropped = 0;
        for (int i = 0; i < n; i++) {
            if (a[i] == NULL) dropped++;
            else assertEquals(orig[i], a[i]);
        }
        assertEquals(0.1, dropped / (double) n, 4 * Math.sqrt(0.09 / n));
        assertArrayEquals(orig, new ConditionDropout(0, NULL).apply(y, new Generator(6)).toLongArray());
        var e = assertThrows(IllegalArgumentException.class, () -> new ConditionDropout(1.5, NULL));
        assertTrue(e.getMessage().contains("p_uncond"), e.getMessage());
    }

    @Test
    void classifierGuidanceWithTheExactClassifierIsTheConditionalModel() {
        // ∇ log p(y|x_t) = ∇ log p_t(x_t|y) − ∇ log p_t(x_t), so ε̂_u − √(1−ᾱ)·1·∇ = ε̂_c exactly (Algorithm 2 with s = 1)
        for (Prediction p : Prediction.values()) {
            MixtureDenoiser m = new MixtureDenoiser(lin, p, GM, new int[]{0, 1}, NULL);
            Denoiser uncond = (x, t, y) -> m.predict(x, t, null);
            Denoiser guided = ClassifierGuidance.guidedModel(uncond, m::classifierGradient, 1.0, lin, p, false);
            Tensor x = Rand.normal(new Generator(7), 0, 1, DType.FLOAT64, Device.CPU, 4, 2);
            Tensor t = Tensor.ofLongs(new long[]{50, 400, 800, 999}, 4), y = Tensor.ofLongs(new long[]{0, 1, 1, 0}, 4);
            assertArrayEquals(m.predict(x, t, y).toDoubleArray(), guided.predict(x, t, y).toDoubleArray(), 1e-9, p.toString());
        }
    }

    @Test
    void classifierGuidedSamplingFollowsTheClass() {
        Denoiser uncond = (x, t, y) -> exact.predict(x, t, null);
        GaussianMixture class0 = exact.mixtureOf(0);
        // Algorithm 2 with DDIM: the class-0 distribution
        Tensor a2 = sample(ClassifierGuidance.guidedModel(uncond, exact::classifierGradient, 1.0, lin, Prediction.EPS, false), 0, 8000, 8);
        MixtureMoments.of(class0, a2).assertMatches(class0, 0, 0.1, 0.1, "Algorithm 2");
        // Algorithm 1 with ancestral sampling (100 respaced steps): samples land in class 0
        int n = 2000;
        Tensor y = labels(0, n);
        DdpmSampler s = new DdpmSampler(lin, Prediction.EPS, VarianceType.FIXED_SMALL, Spacing.LINSPACE.timesteps(lin, 100), null,
                ClassifierGuidance.meanShift(exact::classifierGradient, 1.0, y));
        Tensor a1 = SamplingLoop.sample(s, uncond, new int[]{n, 2}, y, 9, DType.FLOAT64, Device.CPU);
        int[] cls = GM.classify(a1.toDoubleArray());
        long inClass = java.util.Arrays.stream(cls).filter(c -> c == 0).count();
        assertTrue(inClass > 0.98 * n, inClass + " of " + n + " samples in class 0");
        // and without guidance about 60 % would be
        Tensor plain = SamplingLoop.sample(new DdpmSampler(lin, Prediction.EPS, VarianceType.FIXED_SMALL,
                Spacing.LINSPACE.timesteps(lin, 100), null), uncond, new int[]{n, 2}, y, 9, DType.FLOAT64, Device.CPU);
        long plainIn = java.util.Arrays.stream(GM.classify(plain.toDoubleArray())).filter(c -> c == 0).count();
        assertEquals(0.6, plainIn / (double) n, 0.05);
        assertNotNull(Join.class);
    }
}
