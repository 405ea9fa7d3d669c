package org.jdiffusion.kernels.cuda;

import org.jdiffusion.kernels.TestTensors;
import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

import java.util.stream.Stream;

/**
 * The op suite's device plumbing: each *OnDeviceTest runs on {@code cpu} (which checks the suite's
 * own oracles against the CPU reference) and on {@code cuda:0} (skipped with the reason where no
 * GPU is usable). Inputs are drawn on the CPU, moved to the device and viewed there; outputs
 * written by backend calls start poisoned; results return to the CPU before comparison.
 */
final class OpSuite {
    private OpSuite() {}

    static Stream<Device> devices() { return Stream.of(Device.CPU, Device.cuda(0)); }

    /** The backend of a usable device; aborts the test as skipped otherwise. */
    static Backend backend(Device d) {
        CudaCondition.assumeUsable(d);
        return Backends.of(d);
    }

    /** Random values: normal for floating dtypes (drawn in float32 and rounded for bfloat16/float16), integers in [-50, 50) for int64. */
    static Tensor input(Generator g, DType dt, int... shape) {
        return dt.isFloating() ? TestTensors.randn(g, dt, shape) : Rand.randint(g, -50, 50, Device.CPU, shape);
    }

    /** Output poison: NaN, or an implausible integer for int64. */
    static Tensor poisoned(DType dt, Device d, int... shape) {
        return Tensor.full(dt.isFloating() ? Double.NaN : -987654321, dt, d, shape);
    }

    /** Compares on the CPU with the per-dtype tolerance of {@link TestTensors}. */
    static void assertClose(Tensor expected, Tensor actual) {
        TestTensors.assertClose(expected, actual.to(Device.CPU));
    }

    static void assertClose(Tensor expected, Tensor actual, double atol, double rtol) {
        TestTensors.assertClose(expected, actual.to(Device.CPU), atol, rtol);
    }

    /** The same values on {@code d}, laid out non-contiguously there. */
    static Tensor stridedOn(Tensor cpu, Device d) { return TestTensors.strided(cpu.to(d)); }
}
