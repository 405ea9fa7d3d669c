package org.jdiffusion.nn.optim;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each optimizer against a scalar float64 transcription of its update rule, on random gradients. */
class OptimizerTest {
    private static final int STEPS = 5;

    private static Map<String, Variable> params(Generator g) {
        Map<String, Variable> m = new LinkedHashMap<>();
        m.put("a.weight", Variable.param(Rand.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 3, 4)));
        m.put("a.bias", Variable.param(Rand.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 5)));
        return m;
    }

    /** Random gradients for step s (same for the optimizer and the reference). */
    private static Tensor grad(long seed, int s, String name, int[] shape) {
        return Rand.normal(new Generator(seed * 1000 + s * 10 + name.length()), 0, 1, DType.FLOAT64, Device.CPU, shape);
    }

    private interface Rule { void step(int t, double[] p, double[] g, Map<String, double[]> st); }

    private static void check(long seed, java.util.function.Function<Map<String, Variable>, Optimizer> make, Rule rule) {
        Map<String, Variable> ps = params(new Generator(seed));
        Map<String, double[]> ref = new LinkedHashMap<>();
        Map<String, Map<String, double[]>> state = new LinkedHashMap<>();
        ps.forEach((k, v) -> { ref.put(k, v.data().toDoubleArray()); state.put(k, new LinkedHashMap<>()); });
        Optimizer opt = make.apply(ps);
        for (int s = 1; s <= STEPS; s++) {
            for (var e : ps.entrySet()) {
                Tensor g = grad(seed, s, e.getKey(), e.getValue().shape());
                e.getValue().setGrad(g);
                rule.step(s, ref.get(e.getKey()), g.toDoubleArray(), state.get(e.getKey()));
            }
            opt.step();
            opt.zeroGrad();
        }
        assertEquals(STEPS, opt.steps());
        for (var e : ps.entrySet()) {
            double[] got = e.getValue().data().toDoubleArray(), want = ref.get(e.getKey());
            for (int i = 0; i < want.length; i++)
                assertEquals(want[i], got[i], 1e-12 * (1 + Math.abs(want[i])), e.getKey() + "[" + i + "]");
            assertNull(e.getValue().grad());
        }
    }

    private static double[] slot(Map<String, double[]> st, String k, int n) { return st.computeIfAbsent(k, x -> new double[n]); }

    @Test void sgdPlain() {
        check(1, ps -> new Sgd(ps, 0.1, 0), (t, p, g, st) -> { for (int i = 0; i < p.length; i++) p[i] -= 0.1 * g[i]; });
    }

    @Test void sgdMomentumAndWeightDecay() {
        double lr = 0.05, mu = 0.9, wd = 0.01;
        check(2, ps -> new Sgd(ps, lr, mu, wd, false), (t, p, g, st) -> {
            double[] b = slot(st, "b", p.length);
            for (int i = 0; i < p.length; i++) {
                double gi = g[i] + wd * p[i];
                b[i] = t == 1 ? gi : mu * b[i] + gi;
                p[i] -= lr * b[i];
            }
        });
    }

    @Test void sgdNesterov() {
        double lr = 0.05, mu = 0.8;
        check(3, ps -> new Sgd(ps, lr, mu, 0, true), (t, p, g, st) -> {
            double[] b = slot(st, "b", p.length);
            for (int i = 0; i < p.length; i++) {
                b[i] = mu * b[i] + g[i];
                p[i] -= lr * (g[i] + mu * b[i]);
            }
        });
    }

    private static Rule adamRule(double lr, double b1, double b2, double eps, double wd, boolean decoupled) {
        return (t, p, g, st) -> {
            double[] m = slot(st, "m", p.length), v = slot(st, "v", p.length);
            for (int i = 0; i < p.length; i++) {
                double gi = g[i];
                if (decoupled) p[i] *= 1 - lr * wd;
                else gi += wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                double mh = m[i] / (1 - Math.pow(b1, t)), vh = v[i] / (1 - Math.pow(b2, t));
                p[i] -= lr * mh / (Math.sqrt(vh) + eps);
            }
        };
    }

    @Test void adam() {
        check(4, ps -> Adam.adam(ps, 1e-2), adamRule(1e-2, 0.9, 0.999, 1e-8, 0, false));
    }

    @Test void adamWithL2() {
        check(5, ps -> new Adam(ps, 3e-3, 0.8, 0.99, 1e-6, 0.1, false), adamRule(3e-3, 0.8, 0.99, 1e-6, 0.1, false));
    }

    @Test void adamWDecouplesWeightDecay() {
        check(6, ps -> Adam.adamW(ps, 2e-2, 0.05), adamRule(2e-2, 0.9, 0.999, 1e-8, 0.05, true));
    }

    @Test void parametersWithoutGradientAreLeftAlone() {
        Map<String, Variable> ps = params(new Generator(7));
        Tensor before = ps.get("a.bias").data().copy();
        Optimizer opt = Adam.adam(ps, 0.1);
        ps.get("a.weight").setGrad(Tensor.ones(DType.FLOAT64, Device.CPU, 3, 4));
        opt.step();
        assertArrayEquals(before.toDoubleArray(), ps.get("a.bias").data().toDoubleArray());
        assertEquals(java.util.Set.of("a.weight.m", "a.weight.v"), opt.stateDict().keySet());
    }

    @Test void stateRoundTripContinuesIdentically() {
        Map<String, Variable> p1 = params(new Generator(8)), p2 = params(new Generator(8));
        Optimizer o1 = Adam.adamW(p1, 1e-2, 0.01);
        for (int s = 1; s <= 3; s++) { setGrads(p1, s); o1.step(); }
        // a second optimizer restored from o1's state at step 3, on a copy of the parameters
        p1.forEach((k, v) -> p2.get(k).data().copyFrom(v.data()));
        Optimizer o2 = Adam.adamW(p2, 1e-2, 0.01);
        Map<String, Tensor> saved = new LinkedHashMap<>();
        o1.stateDict().forEach((k, t) -> saved.put(k, t.copy()));
        o2.loadState(saved, o1.stateMetadata());
        assertEquals(3, o2.steps());
        for (int s = 4; s <= 6; s++) {
            setGrads(p1, s); o1.step();
            setGrads(p2, s); o2.step();
        }
        p1.forEach((k, v) -> assertArrayEquals(v.data().toDoubleArray(), p2.get(k).data().toDoubleArray(), k));
    }

    private static void setGrads(Map<String, Variable> ps, int s) {
        ps.forEach((k, v) -> v.setGrad(grad(99, s, k, v.shape())));
    }

    @Test void loadStateReportsEveryProblem() {
        Optimizer o = Adam.adam(params(new Generator(9)), 1e-3);
        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("a.weight.m", Tensor.zeros(DType.FLOAT64, Device.CPU, 4, 3));
        bad.put("nope.m", Tensor.zeros(1));
        bad.put("a.bias.momentum", Tensor.zeros(5));
        var e = assertThrows(IllegalArgumentException.class, () -> o.loadState(bad, Map.of()));
        assertTrue(e.getMessage().contains("3 problems"), e.getMessage());
        assertTrue(e.getMessage().contains("mismatched a.weight.m: expected shape [3, 4], got [4, 3]"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected nope.m"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected a.bias.momentum"), e.getMessage());
        var k = assertThrows(IllegalArgumentException.class, () -> o.loadState(Map.of(), Map.of("kind", "Sgd")));
        assertTrue(k.getMessage().contains("saved by Sgd"), k.getMessage());
    }

    @Test void badHyperParametersAreRejected() {
        Map<String, Variable> ps = params(new Generator(10));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Adam.adam(ps, -1)).getMessage().contains("learning rate"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Adam(ps, 1, 1.0, 0.9, 1e-8, 0, false))
                .getMessage().contains("betas"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, 1, 0, 0, true)).getMessage().contains("Nesterov"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Adam.adam(Map.of(), 1)).getMessage().contains("no parameters"));
    }
}
