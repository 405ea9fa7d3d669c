package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.jdiffusion.kernels.TestTensors.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fused AdamW step against a float64 transcription of its definition, over several steps and odd sizes. */
class FastAdamWTest {

    @Test
    void matchesDefinitionOverSeveralSteps() {
        Generator g = new Generator(77);
        int[][] shapes = {{37}, {5, 13}, {40000}, {1}, {3, 3, 3, 3}};
        List<Tensor> p = new ArrayList<>(), m = new ArrayList<>(), v = new ArrayList<>();
        List<double[]> p64 = new ArrayList<>(), m64 = new ArrayList<>(), v64 = new ArrayList<>();
        for (int[] s : shapes) {
            Tensor t = randn(g, DType.FLOAT32, s);
            p.add(t);
            m.add(Tensor.zeros(s));
            v.add(Tensor.zeros(s));
            p64.add(t.toDoubleArray());
            m64.add(new double[t.numel()]);
            v64.add(new double[t.numel()]);
        }
        FastAdamW.Config c = new FastAdamW.Config(1e-2, 0.9, 0.999, 1e-8, 0.05);
        for (int t = 1; t <= 4; t++) {
            List<Tensor> grads = new ArrayList<>();
            for (int[] s : shapes) grads.add(randn(g, DType.FLOAT32, s));
            FastAdamW.step(p, grads, m, v, c, t);
            for (int i = 0; i < shapes.length; i++) {
                float[] gr = grads.get(i).toFloatArray();
                double[] pp = p64.get(i), mm = m64.get(i), vv = v64.get(i);
                for (int j = 0; j < pp.length; j++) {
                    pp[j] *= 1 - c.lr() * c.weightDecay();
                    mm[j] = c.beta1() * mm[j] + (1 - c.beta1()) * gr[j];
                    vv[j] = c.beta2() * vv[j] + (1 - c.beta2()) * gr[j] * gr[j];
                    double mHat = mm[j] / (1 - Math.pow(c.beta1(), t)), vHat = vv[j] / (1 - Math.pow(c.beta2(), t));
                    pp[j] -= c.lr() * mHat / (Math.sqrt(vHat) + c.eps());
                }
                float[] got = p.get(i).toFloatArray(), gotM = m.get(i).toFloatArray();
                for (int j = 0; j < pp.length; j++) {
                    assertEquals(pp[j], got[j], 1e-6 + 1e-5 * Math.abs(pp[j]), "param " + i + "[" + j + "] at step " + t);
                    assertEquals(mm[j], gotM[j], 1e-6, "m " + i + "[" + j + "] at step " + t);
                }
            }
        }
    }

    @Test
    void rejectsMismatchedOrStridedState() {
        Tensor p = Tensor.zeros(4, 3), g = Tensor.zeros(4, 3);
        FastAdamW.Config c = new FastAdamW.Config(1e-3, 0.9, 0.999, 1e-8, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FastAdamW.step(List.of(p), List.of(g), List.of(), List.of(Tensor.zeros(4, 3)), c, 1));
        assertTrue(e.getMessage().contains("1 parameters but 1 gradients, 0 first"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FastAdamW.step(List.of(p), List.of(Tensor.zeros(3, 4).transpose(0, 1)), List.of(Tensor.zeros(4, 3)),
                        List.of(Tensor.zeros(4, 3)), c, 1));
        assertTrue(e.getMessage().contains("contiguous float32") && e.getMessage().contains("[4, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new FastAdamW.Config(1e-3, 1.0, 0.999, 1e-8, 0));
        assertTrue(e.getMessage().contains("β1"), e.getMessage());
    }
}
