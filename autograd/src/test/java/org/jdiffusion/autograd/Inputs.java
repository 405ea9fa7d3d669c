package org.jdiffusion.autograd;

import org.jdiffusion.kernels.TestTensors;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;

/** Fresh float64 test inputs (never zeros), and a non-contiguous layout of the same values. */
final class Inputs {
    private Inputs() {}

    static Tensor randn(long seed, int... shape) { return TestTensors.randn(new Generator(seed), DType.FLOAT64, shape); }

    /** Uniform on (lo, hi), for ops whose domain is restricted (log, sqrt, division). */
    static Tensor uniform(long seed, double lo, double hi, int... shape) {
        return TestTensors.uniform(new Generator(seed), lo, hi, DType.FLOAT64, shape);
    }

    /** The values of t stored transposed in the last two dims (strided by 2 for 1-d). */
    static Tensor strided(Tensor t) { return TestTensors.strided(t); }

    static Tensor longs(long[] values, int... shape) { return Tensor.ofLongs(values, shape); }
}
