package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.kernels.OptimTensors;
import org.jdiffusion.kernels.TestTensors;
import org.jdiffusion.tensor.AdamHyper;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.jdiffusion.kernels.cpu.fast.FastCheck.FAST;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.REF;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.close;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The fused Adam step and EMA update of {@code cpu/fast} (float32 arithmetic) against the float64
 * reference kernels over several steps and odd sizes; bit-identical results for any cut of the
 * work into pieces (the thread count only changes the cut); and the CPU backend's per-position
 * dispatch (float32 fast, float64 reference).
 */
class FastOptimTest {
    /** float32 arithmetic against float64: a few float32 ulps of each term, growing slowly over steps. */
    static final double ATOL = 2e-6, RTOL = 2e-5;

    private static final AdamHyper[] HYPERS = {new AdamHyper(1e-2, 0.9, 0.999, 1e-8, 0.05, true, 1),
            new AdamHyper(3e-3, 0.8, 0.99, 1e-6, 0.1, false, 1), new AdamHyper(2e-2, 0.9, 0.999, 1e-8, 0, true, 1)};

    private static AdamHyper at(AdamHyper h, long t) {
        return new AdamHyper(h.lr(), h.beta1(), h.beta2(), h.eps(), h.weightDecay(), h.decoupled(), t);
    }

    @Test
    void adamMatchesTheReferenceOverSeveralSteps() {
        Generator g = new Generator(77);
        for (AdamHyper h : HYPERS)
            for (int offset : new int[]{0, 1}) {
                OptimTensors.Lists s = OptimTensors.adamState(g, DType.FLOAT32, OptimTensors.SHAPES);
                OptimTensors.Lists fast = s.on(Device.CPU, offset), ref = s.on(Device.CPU, 0);
                for (int t = 1; t <= 4; t++) {
                    List<Tensor> grads = new ArrayList<>();
                    for (int[] shape : OptimTensors.SHAPES) grads.add(TestTensors.randn(g, DType.FLOAT32, shape));
                    FastAdamW.step(fast.p(), OptimTensors.copies(grads, Device.CPU, offset), fast.m(), fast.v(), at(h, t));
                    REF.adamStep(ref.p(), grads, ref.m(), ref.v(), at(h, t));
                    for (int i = 0; i < grads.size(); i++) {
                        String what = h + " offset " + offset + " step " + t + " position " + i;
                        close(what + " p", ref.p().get(i), fast.p().get(i), ATOL, RTOL);
                        close(what + " m", ref.m().get(i), fast.m().get(i), ATOL, RTOL);
                        close(what + " v", ref.v().get(i), fast.v().get(i), ATOL, RTOL);
                    }
                }
            }
    }

    @Test
    void emaMatchesTheReference() {
        Generator g = new Generator(78);
        for (double decay : new double[]{0.9999, 0.9, 0.5, 0, 1}) {
            List<Tensor> s = new ArrayList<>(), p = new ArrayList<>();
            for (int[] shape : OptimTensors.SHAPES) {
                s.add(TestTensors.randn(g, DType.FLOAT32, shape));
                p.add(TestTensors.randn(g, DType.FLOAT32, shape));
            }
            List<Tensor> sFast = OptimTensors.copies(s, Device.CPU, 1), sRef = OptimTensors.copies(s, Device.CPU, 0);
            FastEma.update(sFast, OptimTensors.copies(p, Device.CPU, 1), decay);
            REF.emaUpdate(sRef, p, decay);
            for (int i = 0; i < s.size(); i++) close("decay " + decay + " position " + i, sRef.get(i), sFast.get(i), 1e-7, 1e-6);
        }
    }

    @Test
    void resultsAreBitIdenticalForAnyCutIntoPieces() {
        Generator g = new Generator(79);
        int[][] shapes = OptimTensors.many(40);
        OptimTensors.Lists s = OptimTensors.adamState(g, DType.FLOAT32, shapes);
        float[][] want = new float[HYPERS.length][];
        float[] wantEma = null;
        for (int pieces : new int[]{1, 2, 3, 5, 8, 13, 64, 1000}) {
            for (int k = 0; k < HYPERS.length; k++) {
                OptimTensors.Lists x = s.on(Device.CPU, 1);
                FastAdamW.step(x.p(), x.g(), x.m(), x.v(), at(HYPERS[k], 7), pieces);
                float[] got = flat(x.p(), x.m(), x.v());
                if (want[k] == null) want[k] = got;
                else assertArrayEquals(want[k], got, "Adam " + HYPERS[k] + " with the work cut into " + pieces + " pieces");
            }
            List<Tensor> sh = OptimTensors.copies(s.p(), Device.CPU, 0);
            FastEma.update(sh, s.g(), 0.999, pieces);
            float[] got = flat(sh);
            if (wantEma == null) wantEma = got;
            else assertArrayEquals(wantEma, got, "EMA with the work cut into " + pieces + " pieces");
        }
    }

    @SafeVarargs
    private static float[] flat(List<Tensor>... lists) {
        int n = 0;
        for (List<Tensor> l : lists) for (Tensor t : l) n += t.numel();
        float[] out = new float[n];
        int k = 0;
        for (List<Tensor> l : lists)
            for (Tensor t : l) {
                float[] a = t.toFloatArray();
                System.arraycopy(a, 0, out, k, a.length);
                k += a.length;
            }
        return out;
    }

    @Test
    void theCpuBackendSendsFloat32PositionsToTheFastKernelAndTheRestToTheReference() {
        Generator g = new Generator(80);
        AdamHyper h = at(HYPERS[1], 2);
        OptimTensors.Lists a = OptimTensors.adamState(g, DType.FLOAT32, new int[][]{{33}, {7}}),
                b = OptimTensors.adamState(g, DType.FLOAT64, new int[][]{{19}, {5, 2}});
        List<Tensor> p = join(a.p(), b.p()), gr = join(a.g(), b.g()), m = join(a.m(), b.m()), v = join(a.v(), b.v());
        OptimTensors.Lists mixed = new OptimTensors.Lists(p, gr, m, v).on(Device.CPU, 0);
        FAST.adamStep(mixed.p(), mixed.g(), mixed.m(), mixed.v(), h);
        OptimTensors.Lists f = a.on(Device.CPU, 0), r = b.on(Device.CPU, 0);
        FastAdamW.step(f.p(), f.g(), f.m(), f.v(), h);
        REF.adamStep(r.p(), r.g(), r.m(), r.v(), h);
        List<Tensor> expected = join(f.p(), r.p());
        for (int i = 0; i < 4; i++) assertArrayEquals(expected.get(i).toDoubleArray(), mixed.p().get(i).toDoubleArray(), "position " + i);
        List<Tensor> sh = OptimTensors.copies(p, Device.CPU, 0), sf = OptimTensors.copies(a.p(), Device.CPU, 0),
                sr = OptimTensors.copies(b.p(), Device.CPU, 0);
        FAST.emaUpdate(sh, gr, 0.75);
        FastEma.update(sf, a.g(), 0.75);
        REF.emaUpdate(sr, b.g(), 0.75);
        List<Tensor> es = join(sf, sr);
        for (int i = 0; i < 4; i++) assertArrayEquals(es.get(i).toDoubleArray(), sh.get(i).toDoubleArray(), "EMA position " + i);
    }

    private static List<Tensor> join(List<Tensor> x, List<Tensor> y) {
        List<Tensor> out = new ArrayList<>(x);
        out.addAll(y);
        return out;
    }
}
