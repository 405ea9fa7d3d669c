package org.jdiffusion.kernels;

import org.jdiffusion.tensor.AdamHyper;
import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

import static org.jdiffusion.kernels.BackendConformanceTest.FLOATS;
import static org.jdiffusion.kernels.BackendConformanceTest.check;

/**
 * The conformance exercises of the fused optimizer ops: every position of odd size, in float32 and
 * float64, at aligned and misaligned storage offsets, against the composite float64 definitions of
 * {@link OptimTensors}; for Adam both weight-decay forms and no decay.
 */
final class OptimExercises {
    private OptimExercises() {}

    static void adamStep(Backend be, Generator g) {
        AdamHyper[] hs = {new AdamHyper(3e-2, 0.9, 0.999, 1e-8, 0.1, true, 3), new AdamHyper(1e-2, 0.8, 0.99, 1e-6, 0.05, false, 1),
                new AdamHyper(5e-2, 0.9, 0.999, 1e-8, 0, false, 12)};
        for (DType dt : FLOATS)
            for (AdamHyper h : hs)
                for (int offset : new int[]{0, 1}) {
                    OptimTensors.Lists cpu = OptimTensors.adamState(g, dt, OptimTensors.SHAPES), dev = cpu.on(be.device(), offset);
                    be.adamStep(dev.p(), dev.g(), dev.m(), dev.v(), h);
                    for (int i = 0; i < OptimTensors.SHAPES.length; i++) {
                        Tensor[] e = OptimTensors.adamComposite(cpu.p().get(i), cpu.g().get(i), cpu.m().get(i), cpu.v().get(i), h);
                        String what = "adamStep " + dt + " " + h + " offset " + offset + " position " + i;
                        check(what + " p", e[0].toDoubleArray(), dev.p().get(i), dt);
                        check(what + " m", e[1].toDoubleArray(), dev.m().get(i), dt);
                        check(what + " v", e[2].toDoubleArray(), dev.v().get(i), dt);
                        check(what + " g is unchanged", cpu.g().get(i).toDoubleArray(), dev.g().get(i), dt);
                    }
                }
    }

    static void emaUpdate(Backend be, Generator g) {
        for (DType dt : FLOATS)
            for (double decay : new double[]{0.999, 0.5, 0, 1})
                for (int offset : new int[]{0, 1}) {
                    List<Tensor> s = new ArrayList<>(), p = new ArrayList<>();
                    for (int[] shape : OptimTensors.SHAPES) {
                        s.add(TestTensors.randn(g, dt, shape));
                        p.add(TestTensors.randn(g, dt, shape));
                    }
                    List<Tensor> sd = OptimTensors.copies(s, be.device(), offset), pd = OptimTensors.copies(p, be.device(), offset);
                    be.emaUpdate(sd, pd, decay);
                    for (int i = 0; i < s.size(); i++) {
                        String what = "emaUpdate " + dt + " decay " + decay + " offset " + offset + " position " + i;
                        check(what, OptimTensors.emaComposite(s.get(i), p.get(i), decay).toDoubleArray(), sd.get(i), dt);
                        check(what + ": params unchanged", p.get(i).toDoubleArray(), pd.get(i), dt);
                    }
                }
    }
}
