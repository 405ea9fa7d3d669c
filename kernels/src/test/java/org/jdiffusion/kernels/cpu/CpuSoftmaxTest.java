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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Softmax and log-softmax against exp(x − max)/sum; backward against finite differences. */
class CpuSoftmaxTest {
    private static final DType F64 = DType.FLOAT64, F32 = DType.FLOAT32;
    private static final CpuReferenceBackend CPU = CpuReferenceBackend.INSTANCE;

    /** The composite: exp(x − max)/Σ exp(x − max), or x − max − log Σ exp(x − max), in float64. */
    static Tensor softmaxRef(Tensor x, int dim, boolean log) {
        Tensor x64 = x.to(F64);
        Tensor shifted = x64.sub(x64.max(new int[]{dim}, true));
        Tensor sum = shifted.exp().sum(new int[]{dim}, true);
        return log ? shifted.sub(sum.log()) : shifted.exp().div(sum);
    }

    private static Tensor apply(Tensor x, int dim, boolean log) { return log ? Norm.logSoftmax(x, dim) : Norm.softmax(x, dim); }

    @Test
    void forwardMatchesCompositeOnEveryDim() {
        int seed = 200;
        for (DType dt : new DType[]{F64, F32}) {
            for (boolean log : new boolean[]{false, true}) {
                for (int dim : new int[]{0, 1, 2, -1}) {
                    Generator g = TestTensors.gen(seed++);
                    Tensor x = randn(g, dt, 3, 4, 5).mul(4);
                    Tensor want = softmaxRef(x, dim, log);
                    assertClose(want, apply(x, dim, log));
                    Tensor out = strided(poisoned(dt, 3, 4, 5));
                    CPU.softmax(strided(x), Math.floorMod(dim, 3), log, out);
                    assertClose(want, out);
                }
            }
        }
    }

    @Test
    void minusInfinityEntriesGetZeroProbability() {
        Tensor x = Tensor.of(new double[]{1, Double.NEGATIVE_INFINITY, 2, Double.NEGATIVE_INFINITY, 0, 0}, 2, 3);
        Tensor p = Norm.softmax(x, -1), lp = Norm.logSoftmax(x, -1);
        assertClose(softmaxRef(x, 1, false), p);
        assertClose(softmaxRef(x, 1, true), lp);
        assertEquals(0.0, p.toDoubleArray()[1]);
        assertEquals(Double.NEGATIVE_INFINITY, lp.toDoubleArray()[3]);
        assertEquals(2.0, p.sum().item(), 1e-12); // two rows, each summing to 1
    }

    @Test
    void largeLogitsDoNotOverflow() {
        Tensor x = Tensor.of(new float[]{1000, 1001, 999, -1000}, 4);
        assertClose(softmaxRef(x.to(F64).sub(1000), 0, false), Norm.softmax(x, 0));
        assertClose(softmaxRef(x.to(F64).sub(1000), 0, true), Norm.logSoftmax(x, 0));
    }

    @Test
    void zeroDimAndLengthOneRows() {
        assertEquals(1.0, Norm.softmax(Tensor.scalar(3.5), 0).item());
        assertEquals(0.0, Norm.logSoftmax(Tensor.scalar(3.5), -1).item());
        Tensor x = randn(TestTensors.gen(210), F32, 4, 1);
        assertClose(Tensor.ones(F64, Device.CPU, 4, 1), Norm.softmax(x, 1));
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        int seed = 220;
        for (boolean log : new boolean[]{false, true}) {
            for (int dim : new int[]{0, 1, 2}) {
                Generator g = TestTensors.gen(seed++);
                Tensor x = randn(g, F64, 3, 2, 4), dY = randn(g, F64, 3, 2, 4);
                Tensor y = apply(x, dim, log);
                Tensor dX = strided(poisoned(F64, 3, 2, 4));
                CPU.softmaxBackward(strided(dY), strided(y), dim, log, dX);
                Tensor want = FiniteDifferences.gradient(t -> softmaxRef(t, dim, log), x, dY);
                assertClose(want, dX, 1e-7, 1e-6);
                assertClose(want, Norm.softmaxBackward(dY, y, dim - 3, log), 1e-7, 1e-6);
            }
        }
    }

    @Test
    void float32MatchesFloat64InParallel() {
        Generator g = TestTensors.gen(230);
        Tensor x = randn(g, F64, 64, 33, 17).mul(3).to(F32), dY = randn(g, F64, 64, 33, 17).to(F32);
        for (boolean log : new boolean[]{false, true}) {
            for (int dim : new int[]{0, 2}) {
                Tensor y32 = apply(x, dim, log), y64 = apply(x.to(F64), dim, log);
                assertClose(y64, y32);
                // the backward from the float32 forward's own output, against float64 on the same values
                assertClose(Norm.softmaxBackward(dY.to(F64), y32.to(F64), dim, log), Norm.softmaxBackward(dY, y32, dim, log));
            }
        }
    }

    @Test
    void badInputsNameTheProblem() {
        Tensor x = randn(TestTensors.gen(240), F32, 2, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> Norm.softmax(x, 2));
        assertContains(e, "softmax", "dim 2", "[2, 3]");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.logSoftmax(Tensor.arange(4), 0));
        assertContains(e, "logSoftmax", "floating", "int64");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.softmaxBackward(Tensor.zeros(3, 2), Norm.softmax(x, 1), 1, false));
        assertContains(e, "softmaxBackward", "[3, 2]", "[2, 3]");
        e = assertThrows(IllegalArgumentException.class, () -> Norm.softmaxBackward(x.to(F64), Norm.softmax(x, 1), 1, false));
        assertContains(e, "softmaxBackward", "dtype");
        assertTrue(e.getMessage().contains("float64") && e.getMessage().contains("float32"));
    }
}
