package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.kernels.cpu.CpuBackend;
import org.jdiffusion.kernels.cpu.CpuReferenceBackend;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Tensor;

import static org.jdiffusion.kernels.TestTensors.poisoned;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Helpers of the fast-kernel tests: the two backends, float64 copies of inputs for the reference,
 * poisoned outputs, and a comparison whose tolerance scales with the magnitude of the terms summed.
 */
final class FastCheck {
    private FastCheck() {}

    static final CpuBackend FAST = CpuBackend.INSTANCE;
    static final CpuReferenceBackend REF = CpuReferenceBackend.INSTANCE;

    /** A float64 copy with the same values (the reference then computes in float64 throughout). */
    static Tensor f64(Tensor t) { return t == null ? null : t.to(DType.FLOAT64); }

    static Tensor nan32(int... shape) { return poisoned(DType.FLOAT32, shape); }

    static Tensor nan64(int... shape) { return poisoned(DType.FLOAT64, shape); }

    /**
     * |actual − expected| ≤ atol + rtol·|expected| elementwise, with a message naming what and where;
     * NaN anywhere in actual fails (outputs are poisoned before the call).
     */
    static void close(String what, Tensor expected, Tensor actual, double atol, double rtol) {
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        if (e.length != a.length) fail(what + ": " + a.length + " elements, expected " + e.length);
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(a[i] - e[i]);
            boolean same = e[i] == a[i] || (Double.isInfinite(e[i]) && e[i] == a[i]);
            if (!same && !(d <= atol + rtol * Math.abs(e[i])))
                fail(what + ": element " + i + " of " + actual.describe() + " is " + a[i] + ", expected " + e[i] + " (|diff| " + d + ")");
        }
    }
}
