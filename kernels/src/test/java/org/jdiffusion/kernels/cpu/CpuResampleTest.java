package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.Conv;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.jdiffusion.kernels.TestTensors.assertClose;
import static org.jdiffusion.kernels.TestTensors.atol;
import static org.jdiffusion.kernels.TestTensors.gen;
import static org.jdiffusion.kernels.TestTensors.poisoned;
import static org.jdiffusion.kernels.TestTensors.randn;
import static org.jdiffusion.kernels.TestTensors.rtol;
import static org.jdiffusion.kernels.TestTensors.strided;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nearest upsampling and average pooling with their gradients against direct float64 definitions. */
class CpuResampleTest {
    private static final CpuReferenceBackend CPU = CpuReferenceBackend.INSTANCE;

    static double[] refUpsample(double[] x, int n, int c, int h, int w, int sh, int sw) {
        int ho = h * sh, wo = w * sw;
        double[] y = new double[n * c * ho * wo];
        for (int p = 0; p < n * c; p++)
            for (int i = 0; i < ho; i++)
                for (int j = 0; j < wo; j++) y[(p * ho + i) * wo + j] = x[(p * h + i / sh) * w + j / sw];
        return y;
    }

    /** dX[i, j] = Σ of dY over the output pixels (y, x) with ⌊y/sh⌋ = i and ⌊x/sw⌋ = j. */
    static double[] refUpsampleBackward(double[] dy, int n, int c, int h, int w, int sh, int sw) {
        int ho = h * sh, wo = w * sw;
        double[] dx = new double[n * c * h * w];
        for (int p = 0; p < n * c; p++)
            for (int i = 0; i < ho; i++)
                for (int j = 0; j < wo; j++) dx[(p * h + i / sh) * w + j / sw] += dy[(p * ho + i) * wo + j];
        return dx;
    }

    static double[] refAvgPool(double[] x, int n, int c, int h, int w, int k, int s) {
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        double[] y = new double[n * c * ho * wo];
        for (int p = 0; p < n * c; p++)
            for (int i = 0; i < ho; i++)
                for (int j = 0; j < wo; j++) {
                    double sum = 0;
                    for (int a = 0; a < k; a++) for (int b = 0; b < k; b++) sum += x[(p * h + i * s + a) * w + j * s + b];
                    y[(p * ho + i) * wo + j] = sum / (k * k);
                }
        return y;
    }

    static double[] refAvgPoolBackward(double[] dy, int n, int c, int h, int w, int k, int s) {
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        double[] dx = new double[n * c * h * w];
        for (int p = 0; p < n * c; p++)
            for (int i = 0; i < ho; i++)
                for (int j = 0; j < wo; j++)
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b < k; b++) dx[(p * h + i * s + a) * w + j * s + b] += dy[(p * ho + i) * wo + j] / (k * k);
        return dx;
    }

    static double dot(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray(), y = b.toDoubleArray();
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * y[i];
        return s;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void upsampleAndItsGradient(DType dt) {
        Generator g = gen(700 + dt.ordinal());
        int n = 2, c = 3, h = 5, w = 4;
        for (int[] f : new int[][]{{2, 2}, {2, 3}, {1, 1}, {3, 1}}) {
            int sh = f[0], sw = f[1];
            Tensor x = randn(g, dt, n, c, h, w);
            Tensor out = poisoned(dt, n, c, w * sw, h * sh).transpose(2, 3);
            CPU.upsampleNearest(strided(x), sh, sw, out);
            assertClose(refUpsample(x.toDoubleArray(), n, c, h, w, sh, sw), out, 0, 0);
            Tensor dy = randn(g, dt, n, c, h * sh, w * sw);
            Tensor dx = poisoned(dt, n, c, h, w);
            CPU.upsampleNearestBackward(strided(dy), sh, sw, dx);
            assertClose(refUpsampleBackward(dy.toDoubleArray(), n, c, h, w, sh, sw), dx, atol(dt), rtol(dt));
        }
        Tensor x = randn(g, dt, n, c, h, w);
        Tensor up = Conv.upsampleNearest(x, 2);
        assertArrayEquals(new int[]{n, c, 2 * h, 2 * w}, up.shape());
        assertClose(refUpsample(x.toDoubleArray(), n, c, h, w, 2, 2), up, 0, 0);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void avgPoolAndItsGradient(DType dt) {
        Generator g = gen(710 + dt.ordinal());
        int n = 2, c = 3, h = 7, w = 8;
        // (k, s): tiling windows, overlapping windows, windows leaving the last row/column uncovered
        for (int[] ks : new int[][]{{2, 2}, {3, 1}, {3, 2}, {2, 3}, {1, 1}, {7, 1}}) {
            int k = ks[0], s = ks[1], ho = (h - k) / s + 1, wo = (w - k) / s + 1;
            Tensor x = randn(g, dt, n, c, h, w);
            Tensor out = poisoned(dt, n, c, wo, ho).transpose(2, 3);
            CPU.avgPool2d(strided(x), k, s, out);
            assertClose(refAvgPool(x.toDoubleArray(), n, c, h, w, k, s), out, atol(dt), rtol(dt));
            Tensor dy = randn(g, dt, n, c, ho, wo);
            Tensor dx = poisoned(dt, n, c, w, h).transpose(2, 3);
            CPU.avgPool2dBackward(strided(dy), k, s, dx);
            assertClose(refAvgPoolBackward(dy.toDoubleArray(), n, c, h, w, k, s), dx, atol(dt), rtol(dt));
        }
        Tensor x = randn(g, dt, n, c, h, w);
        Tensor pooled = Conv.avgPool2d(x, 2, 2);
        assertArrayEquals(new int[]{n, c, 3, 4}, pooled.shape());
        assertClose(refAvgPool(x.toDoubleArray(), n, c, h, w, 2, 2), pooled, atol(dt), rtol(dt));
    }

    /** ⟨op(x), dY⟩ = ⟨x, op_backward(dY)⟩ for both linear maps. */
    @Test
    void gradientsAreAdjoints() {
        Generator g = gen(720);
        DType dt = DType.FLOAT64;
        Tensor x = randn(g, dt, 2, 3, 5, 6), dyUp = randn(g, dt, 2, 3, 10, 12);
        Tensor up = Conv.upsampleNearest(x, 2), dxUp = Conv.upsampleNearestBackward(dyUp, 2);
        assertEquals(dot(up, dyUp), dot(x, dxUp), 1e-10);
        Tensor pooled = Conv.avgPool2d(x, 3, 2), dyPool = randn(g, dt, pooled.shape());
        Tensor dxPool = Conv.avgPool2dBackward(dyPool, x.shape(), 3, 2);
        assertEquals(dot(pooled, dyPool), dot(x, dxPool), 1e-10);
    }

    private static void assertBad(Runnable r, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        for (String f : fragments)
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
    }

    @Test
    void rejectsBadInput() {
        Generator g = gen(730);
        Tensor x = randn(g, DType.FLOAT32, 1, 2, 3, 3);
        assertBad(() -> Conv.upsampleNearest(x.to(DType.INT64), 2), "upsampleNearest", "int64", "[1, 2, 3, 3]");
        assertBad(() -> Conv.upsampleNearest(randn(g, DType.FLOAT32, 2, 3, 3), 2), "upsampleNearest", "[2, 3, 3]", "[N, C, H, W]");
        assertBad(() -> Conv.upsampleNearest(x, 0), "upsampleNearest", "scale", "0");
        assertBad(() -> Conv.avgPool2d(x, 4, 1), "avgPool2d", "kernel 4", "[1, 2, 3, 3]");
        assertBad(() -> Conv.avgPool2d(x, 2, 0), "avgPool2d", "stride 0", "[1, 2, 3, 3]");
        assertBad(() -> Conv.avgPool2d(x.to(DType.INT64), 2, 2), "avgPool2d", "int64");
        assertBad(() -> Conv.avgPool2d(randn(g, DType.FLOAT32, 3, 3), 2, 2), "avgPool2d", "[3, 3]", "[N, C, H, W]");
    }
}
