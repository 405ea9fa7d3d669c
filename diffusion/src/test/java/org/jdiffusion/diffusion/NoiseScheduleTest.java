package org.jdiffusion.diffusion;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Schedule values against the papers' formulas, evaluated independently here. */
class NoiseScheduleTest {

    @Test
    void linearMatchesHoEtAl() {
        NoiseSchedule s = NoiseSchedule.linear(1000);
        assertEquals(1e-4, s.beta(0), 1e-18);
        assertEquals(0.02, s.beta(999), 1e-18);
        assertEquals(1e-4 + (0.02 - 1e-4) * 500 / 999.0, s.beta(500), 1e-15);
        // ᾱ_t = exp(Σ log(1 − β_s)), summed independently
        double logAb = 0;
        for (int t = 0; t < 1000; t++) {
            logAb += Math.log1p(-(1e-4 + (0.02 - 1e-4) * t / 999.0));
            assertEquals(Math.exp(logAb), s.alphaBar(t), 1e-12 * Math.max(1, Math.exp(logAb)) + 1e-15);
        }
        // the well-known terminal value of this schedule: ᾱ_{T−1} ≈ 4.04e−5 (SNR ≈ 4e−5, not zero)
        assertEquals(4.0358e-5, s.alphaBar(999), 2e-9);
        assertFalse(s.isZeroTerminalSnr());
    }

    @Test
    void cosineMatchesNicholDhariwalEq17() {
        int T = 1000;
        NoiseSchedule s = NoiseSchedule.cosine(T);
        double f0 = Math.pow(Math.cos(0.008 / 1.008 * Math.PI / 2), 2);
        for (int t = 0; t < T; t++) {
            // ᾱ at the end of step t is f((t+1)/T)/f(0) wherever β is not capped
            double expected = Math.pow(Math.cos(((t + 1.0) / T + 0.008) / 1.008 * Math.PI / 2), 2) / f0;
            if (s.beta(t) < 0.999) {
                if (t < 990) assertEquals(expected, s.alphaBar(t), 1e-10, "t=" + t);
            } else {
                assertEquals(0.999, s.beta(t), 0, "capped β at t=" + t);
            }
        }
        assertEquals(0.999, s.beta(T - 1), 0);
        assertTrue(s.alphaBar(T - 1) > 0);
    }

    @Test
    void scaledLinearAndSigmoid() {
        NoiseSchedule sl = NoiseSchedule.scaledLinear(1000, 0.00085, 0.012);
        assertEquals(0.00085, sl.beta(0), 1e-15);
        assertEquals(0.012, sl.beta(999), 1e-15);
        double r = Math.sqrt(0.00085) + (Math.sqrt(0.012) - Math.sqrt(0.00085)) * 321 / 999.0;
        assertEquals(r * r, sl.beta(321), 1e-15);
        NoiseSchedule sg = NoiseSchedule.sigmoid(100, 1e-4, 0.02);
        for (int t : new int[]{0, 37, 99}) {
            double u = -6 + 12.0 * t / 99;
            assertEquals(1e-4 + (0.02 - 1e-4) / (1 + Math.exp(-u)), sg.beta(t), 1e-15);
        }
        for (int t = 1; t < 100; t++) assertTrue(sg.beta(t) > sg.beta(t - 1));
    }

    @Test
    void derivedQuantities() {
        NoiseSchedule s = NoiseSchedule.cosine(50);
        for (int t = 0; t < 50; t++) {
            double ab = s.alphaBar(t);
            assertEquals(1 - s.beta(t), s.alpha(t), 0);
            assertEquals(Math.sqrt(ab), s.sqrtAlphaBar(t), 1e-15);
            assertEquals(Math.sqrt(1 - ab), s.sqrtOneMinusAlphaBar(t), 1e-15);
            assertEquals(ab / (1 - ab), s.snr(t), 1e-12 * s.snr(t));
            assertEquals(Math.sqrt(ab / (1 - ab)), s.sqrtSnr(t), 1e-12 * s.sqrtSnr(t));
            assertEquals(Math.sqrt(s.beta(t)), s.sqrtBeta(t), 1e-15);
            assertEquals(Math.sqrt(s.alpha(t)), s.sqrtAlpha(t), 1e-15);
            assertEquals(0.5 * Math.log(ab / (1 - ab)), s.lambda(t), 1e-12);
            assertEquals(t == 0 ? 1 : s.alphaBar(t - 1), s.alphaBarPrev(t), 0);
        }
    }

    @Test
    void posteriorMatchesBayesRule() {
        // q(x_{t−1} | x_t, x_0) ∝ q(x_t | x_{t−1})·q(x_{t−1} | x_0): precision 1/(1−ᾱ_{t−1}) + α_t/β_t,
        // mean = var·(√ᾱ_{t−1}·x_0/(1−ᾱ_{t−1}) + √α_t·x_t/β_t)
        NoiseSchedule s = NoiseSchedule.linear(200, 1e-3, 0.05);
        for (int t = 1; t < 200; t += 7) {
            double abPrev = s.alphaBar(t - 1), a = s.alpha(t), b = s.beta(t);
            double var = 1 / (1 / (1 - abPrev) + a / b);
            assertEquals(var, s.posteriorVariance(t), 1e-12 * var);
            assertEquals(Math.log(var), s.posteriorLogVarianceClipped(t), 1e-10);
            assertEquals(var * Math.sqrt(abPrev) / (1 - abPrev), s.posteriorMeanCoef1(t), 1e-11);
            assertEquals(var * Math.sqrt(a) / b, s.posteriorMeanCoef2(t), 1e-11);
        }
        // at t = 0 the posterior is the data: mean x_0, variance 0, log-variance clipped to β̃_1
        assertEquals(0, s.posteriorVariance(0), 0);
        assertEquals(1, s.posteriorMeanCoef1(0), 1e-15);
        assertEquals(0, s.posteriorMeanCoef2(0), 0);
        assertEquals(Math.log(s.posteriorVariance(1)), s.posteriorLogVarianceClipped(0), 0);
    }

    @Test
    void zeroTerminalSnrFollowsLinEtAlAlgorithm1() {
        NoiseSchedule base = NoiseSchedule.linear(1000);
        NoiseSchedule z = base.rescaleZeroTerminalSnr();
        assertTrue(z.isZeroTerminalSnr());
        assertEquals(0, z.alphaBar(999), 0);
        assertEquals(1, z.beta(999), 0);
        assertEquals(0, z.snr(999), 0);
        assertEquals(Double.NEGATIVE_INFINITY, z.lambda(999));
        double a0 = base.sqrtAlphaBar(0), aT = base.sqrtAlphaBar(999);
        for (int t = 0; t < 999; t += 37) {
            double expected = (base.sqrtAlphaBar(t) - aT) * a0 / (a0 - aT);
            assertEquals(expected, z.sqrtAlphaBar(t), 1e-12, "t=" + t);
        }
        assertEquals(base.alphaBar(0), z.alphaBar(0), 1e-15);
        // every posterior coefficient stays finite at the last step
        for (int t = 0; t < 1000; t++) {
            assertTrue(Double.isFinite(z.posteriorMeanCoef1(t)) && Double.isFinite(z.posteriorMeanCoef2(t)));
            assertTrue(Double.isFinite(z.posteriorLogVarianceClipped(t)));
        }
        assertEquals(0, z.posteriorMeanCoef2(999), 0);
    }

    @Test
    void respaceKeepsAlphaBar() {
        NoiseSchedule s = NoiseSchedule.linear(1000);
        long[] kept = {0, 99, 250, 999};
        NoiseSchedule r = s.respace(kept);
        for (int i = 0; i < kept.length; i++) assertEquals(s.alphaBar((int) kept[i]), r.alphaBar(i), 1e-14);
        assertEquals(1 - s.alphaBar(250) / s.alphaBar(99), r.beta(2), 1e-14);
        var e = assertThrows(IllegalArgumentException.class, () -> s.respace(new long[]{5, 3}));
        assertTrue(e.getMessage().contains("increase"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.respace(new long[]{5, 1000}));
        assertTrue(e.getMessage().contains("1000"), e.getMessage());
    }

    @Test
    void badSchedulesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.fromBetas(0.1, 0, 0.2));
        assertTrue(e.getMessage().contains("β_1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.fromBetas(0.1, 1.0, 0.2));
        assertTrue(e.getMessage().contains("last timestep"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.linear(1, 1e-4, 0.02));
        assertTrue(e.getMessage().contains("at least 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.fromAlphaBar(0.9, 0.95));
        assertTrue(e.getMessage().contains("decreasing"), e.getMessage());
    }

    @Test
    void specRoundTripsThroughMetadata() {
        DiffusionSpec spec = new DiffusionSpec(ScheduleKind.COSINE, 1e-4, 0.02, 500, Prediction.V, 10, 10, true, true);
        Map<String, String> m = spec.toMetadata();
        assertEquals("cosine", m.get("schedule"));
        assertEquals("v", m.get("prediction"));
        assertEquals("true", m.get("zero_snr"));
        assertEquals(spec, DiffusionSpec.fromMetadata(m));
        assertEquals(NoiseSchedule.cosine(500).rescaleZeroTerminalSnr(), spec.noiseSchedule());
        Map<String, String> plain = DiffusionSpec.ddpm().toMetadata();
        assertFalse(plain.containsKey("zero_snr"));
        assertFalse(plain.containsKey("learned_variance"));
        assertEquals(NoiseSchedule.linear(1000), DiffusionSpec.fromMetadata(plain).noiseSchedule());
    }

    @Test
    void badMetadataIsNamed() {
        Map<String, String> m = new java.util.HashMap<>(DiffusionSpec.ddpm().toMetadata());
        m.remove("prediction");
        var e = assertThrows(IllegalArgumentException.class, () -> DiffusionSpec.fromMetadata(m));
        assertTrue(e.getMessage().contains("'prediction'"), e.getMessage());
        m.put("prediction", "score");
        e = assertThrows(IllegalArgumentException.class, () -> DiffusionSpec.fromMetadata(m));
        assertTrue(e.getMessage().contains("score"), e.getMessage());
        m.put("prediction", "eps");
        m.put("timesteps", "many");
        e = assertThrows(IllegalArgumentException.class, () -> DiffusionSpec.fromMetadata(m));
        assertTrue(e.getMessage().contains("timesteps"), e.getMessage());
        m.put("timesteps", "1000");
        m.put("schedule", "quadratic");
        e = assertThrows(IllegalArgumentException.class, () -> DiffusionSpec.fromMetadata(m));
        assertTrue(e.getMessage().contains("quadratic"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DiffusionSpec(ScheduleKind.LINEAR, 1e-4, 0.02, 1000, Prediction.EPS, 10, 3, false, false));
        assertTrue(e.getMessage().contains("null_class"), e.getMessage());
    }
}
