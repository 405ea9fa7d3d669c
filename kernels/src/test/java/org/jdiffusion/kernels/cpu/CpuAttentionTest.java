package org.jdiffusion.kernels.cpu;

import org.jdiffusion.kernels.FiniteDifferences;
import org.jdiffusion.kernels.TestTensors;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Norm;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.jdiffusion.kernels.TestTensors.assertClose;
import static org.jdiffusion.kernels.TestTensors.poisoned;
import static org.jdiffusion.kernels.TestTensors.randn;
import static org.jdiffusion.kernels.TestTensors.strided;
import static org.jdiffusion.kernels.cpu.CpuNormTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Attention against its composite softmax(q·kᵀ·scale + mask)·v, built from broadcast products and
 * sums in float64; backward against finite differences of that composite.
 */
class CpuAttentionTest {
    private static final DType F64 = DType.FLOAT64, F32 = DType.FLOAT32;
    private static final CpuReferenceBackend CPU = CpuReferenceBackend.INSTANCE;
    private static final double NEG_INF = Double.NEGATIVE_INFINITY;

    /**
     * out and lse of the composite: S = Σ_d q[.., i, 1, d]·k[.., 1, j, d]·scale + mask, lse = logsumexp_j S,
     * P = exp(S − lse) (0 on fully masked rows, whose lse is −∞), out = Σ_j P[.., i, j, 1]·v[.., 1, j, e].
     */
    static Tensor[] attentionRef(Tensor q, Tensor k, Tensor v, Tensor mask, double scale) {
        Tensor q64 = q.to(F64), k64 = k.to(F64), v64 = v.to(F64);
        Tensor s = q64.unsqueeze(3).mul(k64.unsqueeze(2)).sum(new int[]{4}, false).mul(scale);
        if (mask != null) s = s.add(mask.to(F64));
        Tensor lse = s.logsumexp(new int[]{3}, true);
        Tensor live = lse.gt(NEG_INF);
        Tensor p = Tensor.where(live, s.sub(lse).exp(), Tensor.zeros(F64, Device.CPU, 1));
        Tensor out = p.unsqueeze(4).mul(v64.unsqueeze(2)).sum(new int[]{3}, false);
        return new Tensor[]{out, lse.squeeze(3)};
    }

    /** A [B, H, Tq, Tk] mask of 0 and −∞: about a third blocked, row (0, H − 1, Tq − 1) fully blocked. */
    static Tensor mask(Generator g, DType dt, int b, int h, int tq, int tk) {
        Tensor u = TestTensors.uniform(g, 0, 1, F64, b, h, tq, tk);
        Tensor m = Tensor.where(u.lt(1.0 / 3), Tensor.full(NEG_INF, F64, Device.CPU, 1), Tensor.zeros(F64, Device.CPU, 1));
        m.select(0, 0).select(0, h - 1).select(0, tq - 1).fillInPlace(NEG_INF);
        return m.to(dt);
    }

    @Test
    void forwardMatchesComposite() {
        int seed = 300;
        int[][] shapes = {{2, 3, 5, 4, 3, 2}, {1, 2, 1, 6, 4, 4}, {2, 2, 7, 3, 1, 5}}; // B, H, Tq, Tk, D, Dv
        for (DType dt : new DType[]{F64, F32}) {
            for (int[] s : shapes) {
                for (boolean masked : new boolean[]{false, true}) {
                    Generator g = TestTensors.gen(seed++);
                    Tensor q = randn(g, dt, s[0], s[1], s[2], s[4]), k = randn(g, dt, s[0], s[1], s[3], s[4]);
                    Tensor v = randn(g, dt, s[0], s[1], s[3], s[5]);
                    Tensor m = masked ? mask(g, dt, s[0], s[1], s[2], s[3]) : null;
                    double scale = 1 / Math.sqrt(s[4]);
                    Tensor[] want = attentionRef(q, k, v, m, scale);
                    Norm.AttentionResult r = Norm.attention(strided(q), strided(k), strided(v), m, scale);
                    assertClose(want[0], r.out());
                    assertClose(want[1], r.lse());
                }
            }
        }
    }

    @Test
    void fullyMaskedRowGivesZeroOutputAndMinusInfinityLse() {
        Generator g = TestTensors.gen(310);
        Tensor q = randn(g, F32, 1, 2, 3, 4), k = randn(g, F32, 1, 2, 5, 4), v = randn(g, F32, 1, 2, 5, 3);
        Tensor m = mask(g, F32, 1, 2, 3, 5);
        Tensor out = strided(poisoned(F32, 1, 2, 3, 3)), lse = poisoned(F32, 1, 2, 3);
        CPU.attention(q, k, v, m, 0.5, out, lse);
        Tensor[] want = attentionRef(q, k, v, m, 0.5);
        assertClose(want[0], out);
        assertClose(want[1], lse);
        assertEquals(NEG_INF, lse.select(1, 1).select(1, 2).item());
        for (double o : out.select(1, 1).select(1, 2).toDoubleArray()) assertEquals(0.0, o);
        // the backward of that row is zero and nothing is NaN
        Tensor dOut = randn(g, F32, 1, 2, 3, 3);
        Tensor dQ = poisoned(F32, 1, 2, 3, 4), dK = poisoned(F32, 1, 2, 5, 4), dV = poisoned(F32, 1, 2, 5, 3);
        CPU.attentionBackward(dOut, q, k, v, m, 0.5, out, lse, dQ, dK, dV);
        for (Tensor t : new Tensor[]{dQ, dK, dV})
            for (double x : t.toDoubleArray()) assertFalse(Double.isNaN(x), "NaN in a gradient");
        for (double x : dQ.select(1, 1).select(1, 2).toDoubleArray()) assertEquals(0.0, x);
    }

    @Test
    void maskBroadcastsFromTheFrontend() {
        Generator g = TestTensors.gen(320);
        Tensor q = randn(g, F64, 2, 2, 4, 3), k = randn(g, F64, 2, 2, 4, 3), v = randn(g, F64, 2, 2, 4, 3);
        // a causal [Tq, Tk] mask shared by every batch and head
        double[] causal = new double[16];
        for (int i = 0; i < 4; i++) for (int j = i + 1; j < 4; j++) causal[i * 4 + j] = NEG_INF;
        Tensor m = Tensor.of(causal, 4, 4);
        Tensor[] want = attentionRef(q, k, v, m.expand(2, 2, 4, 4), 0.7);
        Norm.AttentionResult r = Norm.attention(q, k, v, m, 0.7);
        assertClose(want[0], r.out());
        assertClose(want[1], r.lse());
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        int seed = 330;
        for (boolean masked : new boolean[]{false, true}) {
            Generator g = TestTensors.gen(seed++);
            int b = 1, h = 2, tq = 3, tk = 4, d = 3, dv = 2;
            Tensor q = randn(g, F64, b, h, tq, d), k = randn(g, F64, b, h, tk, d), v = randn(g, F64, b, h, tk, dv);
            Tensor m = masked ? mask(g, F64, b, h, tq, tk) : null;
            Tensor dOut = randn(g, F64, b, h, tq, dv);
            double scale = 0.6;
            Norm.AttentionResult fwd = Norm.attention(q, k, v, m, scale);
            Tensor dQ = strided(poisoned(F64, b, h, tq, d)), dK = poisoned(F64, b, h, tk, d), dV = strided(poisoned(F64, b, h, tk, dv));
            CPU.attentionBackward(strided(dOut), strided(q), k, strided(v), m, scale, fwd.out(), fwd.lse(), dQ, dK, dV);
            assertClose(FiniteDifferences.gradient(t -> attentionRef(t, k, v, m, scale)[0], q, dOut), dQ, 1e-7, 1e-6);
            assertClose(FiniteDifferences.gradient(t -> attentionRef(q, t, v, m, scale)[0], k, dOut), dK, 1e-7, 1e-6);
            assertClose(FiniteDifferences.gradient(t -> attentionRef(q, k, t, m, scale)[0], v, dOut), dV, 1e-7, 1e-6);
        }
    }

    @Test
    void float32BackwardMatchesFloat64InParallel() {
        Generator g = TestTensors.gen(340);
        int b = 2, h = 4, tq = 9, tk = 7, d = 8, dv = 5;
        Tensor q = randn(g, F32, b, h, tq, d), k = randn(g, F32, b, h, tk, d), v = randn(g, F32, b, h, tk, dv);
        Tensor m = mask(g, F32, b, h, tq, tk), dOut = randn(g, F32, b, h, tq, dv);
        Tensor[] want = backward(dOut.to(F64), q.to(F64), k.to(F64), v.to(F64), m.to(F64));
        Tensor[] got = backward(dOut, q, k, v, m);
        for (int i = 0; i < 3; i++) assertClose(want[i], got[i]);
    }

    private static Tensor[] backward(Tensor dOut, Tensor q, Tensor k, Tensor v, Tensor m) {
        double scale = 1 / Math.sqrt(q.size(3));
        Norm.AttentionResult fwd = Norm.attention(q, k, v, m, scale);
        DType dt = q.dtype();
        Tensor dQ = poisoned(dt, q.shape()), dK = poisoned(dt, k.shape()), dV = poisoned(dt, v.shape());
        CPU.attentionBackward(dOut, q, k, v, m, scale, fwd.out(), fwd.lse(), dQ, dK, dV);
        return new Tensor[]{dQ, dK, dV};
    }

    @Test
    void forwardLargeEnoughToRunInParallel() {
        Generator g = TestTensors.gen(350);
        Tensor q = randn(g, F32, 2, 4, 64, 16), k = randn(g, F32, 2, 4, 48, 16), v = randn(g, F32, 2, 4, 48, 16);
        Tensor[] want = attentionRef(q, k, v, null, 0.25);
        Norm.AttentionResult r = Norm.attention(q, k, v, null, 0.25);
        assertClose(want[0], r.out());
        assertClose(want[1], r.lse());
    }

    @Test
    void badInputsNameTheProblem() {
        Generator g = TestTensors.gen(360);
        Tensor q = randn(g, F32, 2, 3, 4, 5), k = randn(g, F32, 2, 3, 6, 5), v = randn(g, F32, 2, 3, 6, 7);
        var e = assertThrows(IllegalArgumentException.class, () -> Norm.attention(q, randn(g, F32, 2, 3, 6, 4), v, null, 1));
        assertContains(e, "attention", "[2, 3, 4, 5]", "[2, 3, 6, 4]", "[2, 3, 6, 7]");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.attention(q, k, randn(g, F32, 2, 3, 5, 7), null, 1));
        assertContains(e, "attention", "[2, 3, 5, 7]", "Tk");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.attention(q.select(0, 0), k, v, null, 1));
        assertContains(e, "attention", "[B, H, T, D]", "[3, 4, 5]");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.attention(q, k, v, randn(g, F32, 4, 5), 1));
        assertContains(e, "attention", "[4, 5]", "[2, 3, 4, 6]");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.attention(q, k, v, randn(g, F32, 4, 1, 6), 1));
        assertContains(e, "attention", "[4, 1, 6]", "[2, 3, 4, 6]");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.attention(q, k, v, randn(g, F32, 2, 1, 1, 1, 6), 1));
        assertContains(e, "attention", "[2, 1, 1, 1, 6]", "[2, 3, 4, 6]");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.attention(q, k.to(F64), v, null, 1));
        assertContains(e, "attention", "dtype", "float64");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.attention(q, k, v, Tensor.zeros(F64, Device.CPU, 4, 6), 1));
        assertContains(e, "attention", "dtype", "float64");
    }
}
