package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Linalg;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.jdiffusion.kernels.TestTensors.assertClose;
import static org.jdiffusion.kernels.TestTensors.gen;
import static org.jdiffusion.kernels.TestTensors.poisoned;
import static org.jdiffusion.kernels.TestTensors.randn;
import static org.jdiffusion.kernels.TestTensors.strided;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CpuMatmul and the Linalg frontends against a float64 triple loop. */
class CpuMatmulTest {
    private static final CpuReferenceBackend CPU = CpuReferenceBackend.INSTANCE;

    /** Σ_k a[b, i, k] · bm[b, k, j] in float64, from the logical (row-major) values of [B, M, K] and [B, K, N]. */
    static double[] reference(Tensor a, Tensor b) {
        int nb = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
        double[] x = a.toDoubleArray(), y = b.toDoubleArray(), out = new double[nb * m * n];
        for (int t = 0; t < nb; t++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int q = 0; q < k; q++) s += x[(t * m + i) * k + q] * y[(t * k + q) * n + j];
                    out[(t * m + i) * n + j] = s;
                }
        return out;
    }

    /** Tolerance for sums of k products of N(0, 1) values: float32 rounding grows with k. */
    static double atol(DType dt, int k) { return dt == DType.FLOAT64 ? 1e-12 * Math.max(k, 1) : 1e-6 * Math.max(k, 10); }

    static double rtol(DType dt) { return dt == DType.FLOAT64 ? 1e-11 : 1e-4; }

    private static void checkBackend(Tensor a, Tensor b, Tensor out) {
        CPU.matmul(a, b, out);
        assertClose(reference(a, b), out, atol(a.dtype(), a.size(2)), rtol(a.dtype()));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void oddSizesEveryElementWritten(DType dt) {
        Generator g = gen(11 + dt.ordinal());
        checkBackend(randn(g, dt, 3, 7, 13), randn(g, dt, 3, 13, 5), poisoned(dt, 3, 7, 5));
        checkBackend(randn(g, dt, 1, 1, 1), randn(g, dt, 1, 1, 1), poisoned(dt, 1, 1, 1));
        checkBackend(randn(g, dt, 2, 1, 9), randn(g, dt, 2, 9, 1), poisoned(dt, 2, 1, 1));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void sizesAcrossRowBlocksAndPanels(DType dt) {
        // M > MB rows, K > KC and N > NC so every blocking boundary is crossed
        Generator g = gen(23 + dt.ordinal());
        checkBackend(randn(g, dt, 2, CpuMatmul.MB * 2 + 5, RowBlock.KC + 37), randn(g, dt, 2, RowBlock.KC + 37, RowBlock.NC + 11),
                poisoned(dt, 2, CpuMatmul.MB * 2 + 5, RowBlock.NC + 11));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void stridedOperandsAndOutput(DType dt) {
        Generator g = gen(31 + dt.ordinal());
        // transposed storage of a and b, and an output written through a transposed view
        Tensor a = strided(randn(g, dt, 4, 6, 11)), b = strided(randn(g, dt, 4, 11, 9));
        Tensor out = poisoned(dt, 4, 9, 6).transpose(1, 2);
        checkBackend(a, b, out);
        // a with a permuted batch dim, b sliced with a step along N
        Tensor a2 = randn(g, dt, 5, 3, 8).permute(1, 0, 2), b2 = randn(g, dt, 3, 8, 14).slice(2, 1, 14, 2);
        checkBackend(a2, b2, poisoned(dt, 3, 5, 7));
        // an output that is a slice of a larger buffer (non-zero offset, row stride > N)
        Tensor big = poisoned(dt, 2, 5, 10);
        Tensor out3 = big.narrow(2, 3, 4);
        CPU.matmul(randn(g, dt, 2, 5, 6).copy(), randn(g, dt, 2, 6, 4), out3);
        for (double v : big.narrow(2, 0, 3).toDoubleArray()) assertTrue(Double.isNaN(v), "elements outside the output view stay untouched");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void broadcastStrideZeroDims(DType dt) {
        Generator g = gen(41 + dt.ordinal());
        Tensor b = randn(g, dt, 1, 7, 6).expand(4, 7, 6);                     // stride-0 batch
        checkBackend(randn(g, dt, 4, 5, 7), b, poisoned(dt, 4, 5, 6));
        Tensor bt = randn(g, dt, 1, 6, 7).transpose(1, 2).expand(3, 7, 6);     // stride-0 batch, transposed rows
        checkBackend(randn(g, dt, 3, 2, 7), bt, poisoned(dt, 3, 2, 6));
        Tensor a = randn(g, dt, 3, 1, 7).expand(3, 4, 7);                     // every row of a the same
        checkBackend(a, randn(g, dt, 3, 7, 2), poisoned(dt, 3, 4, 2));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void emptyInnerDimWritesZeros(DType dt) {
        Tensor out = poisoned(dt, 2, 3, 4);
        CPU.matmul(Tensor.zeros(dt, Device.CPU, 2, 3, 0), Tensor.zeros(dt, Device.CPU, 2, 0, 4), out);
        assertClose(new double[24], out, 0, 0);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void frontendBroadcastsBatchDims(DType dt) {
        Generator g = gen(53 + dt.ordinal());
        Tensor a = randn(g, dt, 2, 1, 3, 4), b = randn(g, dt, 5, 4, 6);
        Tensor r = Linalg.matmul(a, b);
        assertArrayEquals(new int[]{2, 5, 3, 6}, r.shape());
        Tensor a3 = a.expand(2, 5, 3, 4).reshape(10, 3, 4), b3 = b.expand(2, 5, 4, 6).reshape(10, 4, 6);
        assertClose(reference(a3, b3), r, atol(dt, 4), rtol(dt));
        // non-contiguous operands through the frontend
        Tensor r2 = Linalg.matmul(strided(a), strided(b));
        assertClose(reference(a3, b3), r2, atol(dt, 4), rtol(dt));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void frontendVectors(DType dt) {
        Generator g = gen(61 + dt.ordinal());
        Tensor v = randn(g, dt, 4), m = randn(g, dt, 4, 6), m2 = randn(g, dt, 3, 4), bat = randn(g, dt, 2, 3, 4);
        Tensor vm = Linalg.matmul(v, m);
        assertArrayEquals(new int[]{6}, vm.shape());
        assertClose(reference(v.reshape(1, 1, 4), m.reshape(1, 4, 6)), vm, atol(dt, 4), rtol(dt));
        Tensor mv = Linalg.matmul(m2, strided(v));
        assertArrayEquals(new int[]{3}, mv.shape());
        assertClose(reference(m2.reshape(1, 3, 4), v.reshape(1, 4, 1)), mv, atol(dt, 4), rtol(dt));
        Tensor vv = Linalg.matmul(v, v);
        assertArrayEquals(new int[0], vv.shape());
        assertClose(reference(v.reshape(1, 1, 4), v.reshape(1, 4, 1)), vv, atol(dt, 4), rtol(dt));
        Tensor bv = Linalg.matmul(bat, v);
        assertArrayEquals(new int[]{2, 3}, bv.shape());
        assertClose(reference(bat, v.reshape(1, 4, 1).expand(2, 4, 1)), bv, atol(dt, 4), rtol(dt));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void linearMatchesReference(DType dt) {
        Generator g = gen(71 + dt.ordinal());
        Tensor x = randn(g, dt, 2, 5, 7), w = randn(g, dt, 3, 7), b = randn(g, dt, 3);
        Tensor y = Linalg.linear(x, w, b);
        assertArrayEquals(new int[]{2, 5, 3}, y.shape());
        double[] ref = reference(x.reshape(1, 10, 7), w.transpose(0, 1).reshape(1, 7, 3)), bias = b.toDoubleArray();
        for (int i = 0; i < ref.length; i++) ref[i] += bias[i % 3];
        assertClose(ref, y, atol(dt, 7), rtol(dt));
        Tensor y0 = Linalg.linear(strided(x), w, null);
        assertClose(reference(x.reshape(1, 10, 7), w.transpose(0, 1).reshape(1, 7, 3)), y0, atol(dt, 7), rtol(dt));
    }

    // ---- bad input --------------------------------------------------------------------------

    private static void assertBad(Runnable r, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        for (String f : fragments)
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
    }

    @Test
    void matmulRejectsBadOperands() {
        Generator g = gen(81);
        Tensor a = randn(g, DType.FLOAT32, 2, 3), b = randn(g, DType.FLOAT32, 4, 5);
        assertBad(() -> Linalg.matmul(a, b), "matmul", "[2, 3]", "[4, 5]", "inner");
        assertBad(() -> Linalg.matmul(Tensor.scalar(2), b), "matmul", "Tensor[]", "[4, 5]");
        assertBad(() -> Linalg.matmul(Tensor.ofLongs(new long[]{1, 2, 3, 4}, 2, 2), Tensor.ofLongs(new long[]{1, 2}, 2, 1)),
                "matmul", "int64", "[2, 2]");
        assertBad(() -> Linalg.matmul(a, randn(g, DType.FLOAT64, 3, 2)), "matmul", "float32", "float64", "[2, 3]", "[3, 2]");
        assertBad(() -> Linalg.matmul(randn(g, DType.FLOAT32, 2, 3, 4), randn(g, DType.FLOAT32, 3, 4, 5)), "matmul", "[2]", "[3]",
                "broadcast");
    }

    @Test
    void linearRejectsBadOperands() {
        Generator g = gen(91);
        Tensor x = randn(g, DType.FLOAT32, 5, 7);
        assertBad(() -> Linalg.linear(x, randn(g, DType.FLOAT32, 3, 6), null), "linear", "[5, 7]", "[3, 6]");
        assertBad(() -> Linalg.linear(x, randn(g, DType.FLOAT32, 3, 7, 1), null), "linear", "[3, 7, 1]");
        assertBad(() -> Linalg.linear(x, randn(g, DType.FLOAT32, 3, 7), randn(g, DType.FLOAT32, 4)), "linear", "[4]", "[3, 7]");
        assertBad(() -> Linalg.linear(x, randn(g, DType.FLOAT64, 3, 7), null), "linear", "float32", "float64");
        assertBad(() -> Linalg.linear(x, randn(g, DType.FLOAT32, 3, 7), randn(g, DType.FLOAT64, 3)), "linear", "float32", "float64");
        assertBad(() -> Linalg.linear(Tensor.ofLongs(new long[]{1, 2}, 1, 2), Tensor.ofLongs(new long[]{1, 2}, 1, 2), null),
                "linear", "int64");
    }
}
