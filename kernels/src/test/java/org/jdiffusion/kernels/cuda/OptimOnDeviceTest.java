package org.jdiffusion.kernels.cuda;

import org.jdiffusion.kernels.OptimTensors;
import org.jdiffusion.kernels.TestTensors;
import org.jdiffusion.kernels.cpu.CpuReferenceBackend;
import org.jdiffusion.tensor.AdamHyper;
import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Optim;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.jdiffusion.kernels.cuda.OpSuite.assertClose;

/**
 * The fused Adam step and EMA update on each device against the CPU reference kernels on the same
 * inputs: 150 positions of odd sizes (more than one multi-tensor launch holds, some with no
 * elements), float32 and float64, at 16-byte aligned and misaligned storage offsets, both weight
 * decay forms; on cuda:0 also a float32 trajectory of several steps.
 */
class OptimOnDeviceTest {
    static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};
    static final int POSITIONS = 150;
    static final CpuReferenceBackend REF = CpuReferenceBackend.INSTANCE;

    static Stream<Device> devices() { return OpSuite.devices(); }

    /** Per dtype: float32 arithmetic on the device against the float64 reference; float64 a few ulps. */
    static double atol(DType dt) { return dt == DType.FLOAT64 ? 1e-12 : 2e-6; }

    static double rtol(DType dt) { return dt == DType.FLOAT64 ? 1e-12 : 2e-5; }

    static void assertAllClose(String what, List<Tensor> expected, List<Tensor> actual, DType dt) {
        for (int i = 0; i < expected.size(); i++) {
            try {
                assertClose(expected.get(i), actual.get(i), atol(dt), rtol(dt));
            } catch (AssertionError e) {
                throw new AssertionError(what + " position " + i + ": " + e.getMessage(), e);
            }
        }
    }

    @ParameterizedTest @MethodSource("devices")
    void adamStepMatchesTheCpuReference(Device d) {
        OpSuite.backend(d);
        Generator g = new Generator(1201);
        int[][] shapes = OptimTensors.many(POSITIONS);
        for (DType dt : FLOATS)
            for (AdamHyper h : new AdamHyper[]{new AdamHyper(1e-2, 0.9, 0.999, 1e-8, 0.05, true, 4),
                    new AdamHyper(3e-3, 0.8, 0.99, 1e-6, 0.1, false, 1)})
                for (int offset : new int[]{0, 1}) {
                    OptimTensors.Lists cpu = OptimTensors.adamState(g, dt, shapes), dev = cpu.on(d, offset);
                    Optim.adamStep(dev.p(), dev.g(), dev.m(), dev.v(), h);
                    REF.adamStep(cpu.p(), cpu.g(), cpu.m(), cpu.v(), h);
                    String what = "adamStep " + dt + " " + h + " offset " + offset + " on " + d;
                    assertAllClose(what + " p", cpu.p(), dev.p(), dt);
                    assertAllClose(what + " m", cpu.m(), dev.m(), dt);
                    assertAllClose(what + " v", cpu.v(), dev.v(), dt);
                }
    }

    @ParameterizedTest @MethodSource("devices")
    void emaUpdateMatchesTheCpuReference(Device d) {
        OpSuite.backend(d);
        Generator g = new Generator(1202);
        int[][] shapes = OptimTensors.many(POSITIONS);
        for (DType dt : FLOATS)
            for (double decay : new double[]{0.9999, 0.3})
                for (int offset : new int[]{0, 1}) {
                    List<Tensor> s = new ArrayList<>(), p = new ArrayList<>();
                    for (int[] shape : shapes) {
                        s.add(TestTensors.randn(g, dt, shape));
                        p.add(TestTensors.randn(g, dt, shape));
                    }
                    List<Tensor> sd = OptimTensors.copies(s, d, offset), pd = OptimTensors.copies(p, d, offset);
                    Optim.emaUpdate(sd, pd, decay);
                    REF.emaUpdate(s, p, decay);
                    assertAllClose("emaUpdate " + dt + " decay " + decay + " offset " + offset + " on " + d, s, sd, dt);
                }
    }

    /** Ten AdamW steps of float32 state on the GPU track the reference's trajectory. */
    @Test @RequiresCuda
    void float32TrajectoryOnTheGpuTracksTheReference() {
        Device d = Device.cuda(0);
        Backend be = Backends.of(d);
        Generator g = new Generator(1203);
        int[][] shapes = OptimTensors.many(POSITIONS);
        OptimTensors.Lists cpu = OptimTensors.adamState(g, DType.FLOAT32, shapes), dev = cpu.on(d, 0);
        for (int t = 1; t <= 10; t++) {
            AdamHyper h = new AdamHyper(1e-3, 0.9, 0.999, 1e-8, 0.01, true, t);
            List<Tensor> grads = new ArrayList<>();
            for (int[] shape : shapes) grads.add(TestTensors.randn(g, DType.FLOAT32, shape));
            be.adamStep(dev.p(), OptimTensors.copies(grads, d, 0), dev.m(), dev.v(), h);
            REF.adamStep(cpu.p(), grads, cpu.m(), cpu.v(), h);
        }
        for (int i = 0; i < POSITIONS; i++) {
            assertClose(cpu.p().get(i), dev.p().get(i), 1e-5, 1e-4);
            assertClose(cpu.m().get(i), dev.m().get(i), 1e-5, 1e-4);
            assertClose(cpu.v().get(i), dev.v().get(i), 1e-5, 1e-4);
        }
    }
}
