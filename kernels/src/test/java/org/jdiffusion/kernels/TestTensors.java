package org.jdiffusion.kernels;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.HalfFloats;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Shared helpers of the op tests: fresh random inputs (never zeros), non-contiguous variants, and
 * comparison against float64 reference values with a tolerance per dtype.
 */
public final class TestTensors {
    private TestTensors() {}

    /**
     * Tolerances per dtype for ops computed in float32 vs a float64 reference; bfloat16/float16
     * results are rounded once to 8/11 significant bits (relative error 2⁻⁸/2⁻¹¹), doubled for a
     * float32 computation before that rounding.
     */
    public static double atol(DType dt) { return dt == DType.FLOAT64 ? 1e-10 : 1e-5; }

    public static double rtol(DType dt) {
        return switch (dt) {
            case FLOAT64 -> 1e-10;
            case BFLOAT16 -> 0x1p-7;
            case FLOAT16 -> 0x1p-10;
            default -> 1e-4;
        };
    }

    /** v as stored in dt and read back (rounded to nearest even for the 16-bit dtypes, truncated for int64). */
    public static double roundTo(DType dt, double v) {
        return switch (dt) {
            case FLOAT32 -> (float) v;
            case FLOAT64 -> v;
            case INT64 -> (double) (long) v;
            case BFLOAT16 -> HalfFloats.bf16ToFloat(HalfFloats.bf16FromDouble(v));
            case FLOAT16 -> HalfFloats.f16ToFloat(HalfFloats.f16FromDouble(v));
        };
    }

    /** A generator seeded from the test's name and a counter, so each test draws fresh values. */
    public static Generator gen(long seed) { return new Generator(seed); }

    /** Normal draws; the 16-bit dtypes draw float32 and round (Rand draws no half type). */
    public static Tensor randn(Generator g, DType dt, int... shape) {
        return dt.isHalf() ? Rand.normal(g, 0, 1, DType.FLOAT32, Device.CPU, shape).to(dt) : Rand.normal(g, 0, 1, dt, Device.CPU, shape);
    }

    public static Tensor uniform(Generator g, double lo, double hi, DType dt, int... shape) {
        return dt.isHalf() ? Rand.uniform(g, lo, hi, DType.FLOAT32, Device.CPU, shape).to(dt) : Rand.uniform(g, lo, hi, dt, Device.CPU, shape);
    }

    /**
     * The same values as t in a non-contiguous layout: stored transposed in its last two dims (or
     * strided by 2 for 1-d), so kernels that assume contiguity fail.
     */
    public static Tensor strided(Tensor t) {
        if (t.dim() >= 2) {
            int r = t.dim();
            return t.transpose(r - 2, r - 1).copy().transpose(r - 2, r - 1);
        }
        if (t.dim() == 1) {
            Tensor big = Tensor.zeros(t.dtype(), t.device(), t.size(0) * 2);
            big.slice(0, 0, t.size(0) * 2, 2).copyFrom(t);
            return big.slice(0, 0, t.size(0) * 2, 2);
        }
        return t;
    }

    /** A tensor of shape filled with NaN, so unwritten output elements show. */
    public static Tensor poisoned(DType dt, int... shape) { return Tensor.full(Double.NaN, dt, Device.CPU, shape); }

    public static void assertClose(double[] expected, Tensor actual, double atol, double rtol) {
        double[] a = actual.toDoubleArray();
        if (a.length != expected.length) fail("length " + a.length + " vs expected " + expected.length);
        for (int i = 0; i < a.length; i++) {
            double e = expected[i], d = Math.abs(a[i] - e);
            boolean ok = d <= atol + rtol * Math.abs(e) || (Double.isNaN(e) && Double.isNaN(a[i])) || e == a[i];
            if (!ok) fail("element " + i + " of " + actual.describe() + ": got " + a[i] + ", expected " + e + " (|diff| " + d + ")");
        }
    }

    public static void assertClose(Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        DType dt = actual.dtype().isFloating() && expected.dtype() == DType.FLOAT64 ? actual.dtype() : expected.dtype();
        assertClose(expected.toDoubleArray(), actual, atol(dt), rtol(dt));
    }

    public static void assertClose(Tensor expected, Tensor actual, double atol, double rtol) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        assertClose(expected.toDoubleArray(), actual, atol, rtol);
    }
}
