package org.jdiffusion.nn.optim;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.nn.Module;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gradient clipping, learning-rate schedules and the EMA. */
class TrainingToolsTest {
    @Test void clipScalesEveryGradientByOneFactor() {
        Generator g = new Generator(21);
        Variable a = Variable.param(Tensor.zeros(DType.FLOAT64, Device.CPU, 3)), b = Variable.param(Tensor.zeros(DType.FLOAT64, Device.CPU, 2, 2));
        Tensor ga = Rand.normal(g, 0, 3, DType.FLOAT64, Device.CPU, 3), gb = Rand.normal(g, 0, 3, DType.FLOAT64, Device.CPU, 2, 2);
        a.setGrad(ga);
        b.setGrad(gb);
        double sq = 0;
        for (double v : ga.toDoubleArray()) sq += v * v;
        for (double v : gb.toDoubleArray()) sq += v * v;
        double norm = Math.sqrt(sq);
        assertEquals(norm, GradClip.clipGlobalNorm(List.of(a, b), 0.5), 1e-12);
        double f = 0.5 / (norm + 1e-6);
        double[] ea = ga.toDoubleArray();
        for (int i = 0; i < 3; i++) assertEquals(ea[i] * f, a.grad().toDoubleArray()[i], 1e-14);
        assertEquals(0.5, GradClip.globalNorm(List.of(a, b)), 1e-6);
    }

    @Test void clipLeavesSmallGradientsAndSharedTensorsAlone() {
        Tensor shared = Tensor.of(new double[]{3, 4}, 2);
        Variable a = Variable.param(Tensor.zeros(DType.FLOAT64, Device.CPU, 2)), b = Variable.param(Tensor.zeros(DType.FLOAT64, Device.CPU, 2));
        a.setGrad(shared);
        b.setGrad(shared);
        assertEquals(Math.sqrt(50), GradClip.clipGlobalNorm(List.of(a, b), 100), 1e-12);
        assertArrayEquals(new double[]{3, 4}, a.grad().toDoubleArray());
        GradClip.clipGlobalNorm(List.of(a, b), 1);
        assertArrayEquals(new double[]{3, 4}, shared.toDoubleArray(), "the shared tensor itself is not scaled twice");
        assertEquals(1.0, GradClip.globalNorm(List.of(a, b)), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipGlobalNorm(List.of(a), 0));
    }

    @Test void schedules() {
        LrSchedule c = LrSchedule.constant(0.1);
        assertEquals(0.1, c.lr(0));
        assertEquals(0.1, c.lr(1_000_000));
        LrSchedule w = LrSchedule.linearWarmup(1.0, 4);
        assertArrayEquals(new double[]{0.25, 0.5, 0.75, 1, 1}, new double[]{w.lr(0), w.lr(1), w.lr(2), w.lr(3), w.lr(100)});
        LrSchedule cos = LrSchedule.cosine(1.0, 2, 12, 0.1);
        assertEquals(0.5, cos.lr(0), 1e-15);
        assertEquals(1.0, cos.lr(2), 1e-15);
        assertEquals(0.55, cos.lr(7), 1e-12); // halfway through the decay
        assertEquals(0.1 + 0.45 * (1 + Math.cos(Math.PI * 0.3)), cos.lr(5), 1e-12);
        assertEquals(0.1, cos.lr(12));
        assertEquals(0.1, cos.lr(50));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(1, 10, 10, 0)).getMessage().contains("warmup"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(1, 0, 10, 2)).getMessage().contains("minLr"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant(Double.NaN)).getMessage().contains("lr"));
    }

    /** A module with one parameter and one buffer. */
    static final class Toy extends Module {
        Toy(double w, double buf) {
            registerParameter("w", Tensor.of(new double[]{w, 2 * w}, 2));
            registerBuffer("count", Tensor.of(new double[]{buf}, 1));
        }

        Variable w() { return param("w"); }

        void setCount(double c) { setBuffer("count", Tensor.of(new double[]{c}, 1)); }
    }

    @Test void emaFollowsItsDecayWithWarmup() {
        Toy m = new Toy(1, 0);
        Ema ema = new Ema(m, 0.9, 10);
        assertEquals(2.0 / 11, ema.decayAt(1), 1e-15);
        assertEquals(0.9, ema.decayAt(1000), 1e-15);
        double s = 1;
        for (int n = 1; n <= 40; n++) {
            double w = 1 + n;
            m.w().data().copyFrom(Tensor.of(new double[]{w, 2 * w}, 2));
            m.setCount(n);
            ema.update(m);
            double d = Math.min(0.9, (1.0 + n) / (10 + n));
            s = d * s + (1 - d) * w;
        }
        assertEquals(40, ema.updates());
        assertEquals(s, ema.stateDict().get("w").toDoubleArray()[0], 1e-12);
        assertEquals(2 * s, ema.stateDict().get("w").toDoubleArray()[1], 1e-12);
        assertEquals(40, ema.stateDict().get("count").item(), "buffers are copied, not averaged");
    }

    @Test void emaWithoutWarmupUsesItsDecay() {
        Toy m = new Toy(0, 0);
        Ema ema = new Ema(m, 0.5, 0);
        m.w().data().fillInPlace(8);
        ema.update(m);
        ema.update(m);
        assertArrayEquals(new double[]{6, 6}, ema.stateDict().get("w").toDoubleArray());
    }

    @Test void swapPutsTheAverageInAndTheTrainedWeightsBack() {
        Toy m = new Toy(1, 0);
        Ema ema = new Ema(m, 0.0, 0);
        m.w().data().fillInPlace(5);
        ema.update(m); // the average is now 5
        m.w().data().fillInPlace(7);
        try (var swap = ema.swapInto(m)) {
            assertArrayEquals(new double[]{5, 5}, m.w().data().toDoubleArray());
        }
        assertArrayEquals(new double[]{7, 7}, m.w().data().toDoubleArray());
    }

    @Test void emaLoadChecksNames() {
        Toy m = new Toy(1, 0);
        Ema ema = new Ema(m, 0.9, 0);
        var e = assertThrows(IllegalArgumentException.class, () -> ema.load(java.util.Map.of("w", Tensor.zeros(2)), 3));
        assertTrue(e.getMessage().contains("missing [count]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Ema(m, 1.5, 0));
    }
}
