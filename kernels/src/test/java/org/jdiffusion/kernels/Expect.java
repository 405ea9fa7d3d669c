package org.jdiffusion.kernels;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Tensor;

import java.math.BigDecimal;
import java.math.MathContext;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Comparison and indexing helpers of the tensor-core tests, plus an erf computed in 50-digit decimals. */
final class Expect {
    private Expect() {}

    /** Every element within atol + rtol·|expected| (NaN matches NaN, infinities match exactly). */
    static void close(String what, double[] expected, Tensor actual, double atol, double rtol) {
        double[] a = actual.toDoubleArray();
        if (a.length != expected.length) fail(what + ": " + a.length + " elements, expected " + expected.length);
        for (int i = 0; i < a.length; i++) {
            double e = expected[i], d = Math.abs(a[i] - e);
            boolean ok = e == a[i] || (Double.isNaN(e) && Double.isNaN(a[i])) || d <= atol + rtol * Math.abs(e);
            if (!ok) fail(what + ": element " + i + " of " + actual.describe() + " is " + a[i] + ", expected " + e + " (|diff| " + d + ")");
        }
    }

    /** With the per-dtype tolerances of {@link TestTensors}. */
    static void close(String what, double[] expected, Tensor actual) {
        DType dt = actual.dtype();
        close(what, expected, actual, TestTensors.atol(dt), TestTensors.rtol(dt));
    }

    static void shape(Tensor t, int... shape) { assertArrayEquals(shape, t.shape(), "shape of " + t.describe()); }

    /** Row-major index into an operand of inShape broadcast (trailing-aligned) to outShape. */
    static int broadcastIndex(int lin, int[] outShape, int[] inShape) {
        int idx = 0, stride = 1;
        for (int d = outShape.length - 1, e = inShape.length - 1; d >= 0; d--, e--) {
            int i = lin % outShape[d];
            lin /= outShape[d];
            if (e >= 0) {
                if (inShape[e] != 1) idx += i * stride;
                stride *= inShape[e];
            }
        }
        return idx;
    }

    // ---- erf from its everywhere-positive series: erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (2n+1)!! ----

    private static final MathContext MC = new MathContext(50);
    private static final BigDecimal PI = new BigDecimal("3.14159265358979323846264338327950288419716939937510582097494");

    static BigDecimal erf(BigDecimal x) {
        if (x.signum() < 0) return erf(x.negate()).negate();
        BigDecimal x2 = x.multiply(x, MC), two = BigDecimal.valueOf(2);
        BigDecimal term = x, sum = x, eps = new BigDecimal("1e-55");
        for (int n = 1; term.compareTo(eps) > 0 || n < 10; n++) {
            term = term.multiply(two).multiply(x2, MC).divide(BigDecimal.valueOf(2L * n + 1), MC);
            sum = sum.add(term, MC);
        }
        BigDecimal ex2 = BigDecimal.ONE, t = BigDecimal.ONE;       // e^(x²)
        for (int k = 1; t.compareTo(eps) > 0 || k < 10; k++) {
            t = t.multiply(x2, MC).divide(BigDecimal.valueOf(k), MC);
            ex2 = ex2.add(t, MC);
        }
        return two.multiply(sum, MC).divide(PI.sqrt(MC).multiply(ex2, MC), MC);
    }

    /** gelu(x) = x/2 · (1 + erf(x/√2)), the sum 1 + erf formed in 50 digits so the left tail keeps its accuracy. */
    static double gelu(double x) {
        // 1 + erf(x/√2) ≈ 1e-25 at x = −10: 50 digits leave 25 of them
        if (Math.abs(x) > 10) throw new IllegalArgumentException("the 50-digit gelu reference covers |x| <= 10, got " + x);
        BigDecimal bx = new BigDecimal(x), arg = bx.divide(BigDecimal.valueOf(2).sqrt(MC), MC);
        return bx.multiply(BigDecimal.ONE.add(erf(arg), MC), MC).divide(BigDecimal.valueOf(2), MC).doubleValue();
    }
}
