package org.jdiffusion.kernels.cpu;

import org.jdiffusion.tensor.Conv;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.jdiffusion.kernels.TestTensors.assertClose;
import static org.jdiffusion.kernels.TestTensors.gen;
import static org.jdiffusion.kernels.TestTensors.poisoned;
import static org.jdiffusion.kernels.TestTensors.randn;
import static org.jdiffusion.kernels.TestTensors.strided;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CpuConv (forward, dX, dW) against direct float64 definitions, the adjoint identity, and the frontend's checks. */
class CpuConvTest {
    private static final CpuReferenceBackend CPU = CpuReferenceBackend.INSTANCE;

    /** One convolution geometry: x [n, c, h, w], weight [o, c/groups, kh, kw]. */
    record Case(String name, int n, int c, int h, int w, int o, int kh, int kw, Conv2dParams p) {
        int[] xShape() { return new int[]{n, c, h, w}; }
        int[] wShape() { return new int[]{o, c / p.groups(), kh, kw}; }
        int ho() { return p.outH(h, kh); }
        int wo() { return p.outW(w, kw); }
        int[] yShape() { return new int[]{n, o, ho(), wo()}; }
        int terms() { return c / p.groups() * kh * kw; }
        @Override public String toString() { return name; }
    }

    static List<Case> cases() {
        return List.of(
                new Case("3x3 pad 1", 2, 3, 7, 9, 4, 3, 3, Conv2dParams.of(1, 1)),
                new Case("3x3 stride 2 pad 1", 2, 3, 8, 7, 5, 3, 3, Conv2dParams.of(2, 1)),
                new Case("3x3 pad 0", 1, 2, 6, 5, 3, 3, 3, Conv2dParams.of(1, 0)),
                new Case("3x2 pad 2, stride (2, 1)", 2, 2, 5, 6, 3, 3, 2, new Conv2dParams(2, 1, 2, 1, 1, 1, 1)),
                new Case("dilation 2 pad 2", 2, 3, 9, 8, 2, 3, 3, Conv2dParams.of(1, 2, 2, 1)),
                new Case("groups 2", 2, 4, 6, 7, 6, 3, 3, Conv2dParams.of(1, 1, 1, 2)),
                new Case("depthwise stride 2", 2, 5, 7, 7, 5, 3, 3, Conv2dParams.of(2, 1, 1, 5)),
                new Case("1x1", 3, 6, 5, 4, 7, 1, 1, Conv2dParams.of(1, 0)),
                new Case("1x1 stride 2", 2, 3, 5, 6, 4, 1, 1, Conv2dParams.of(2, 0)),
                new Case("kernel = input", 2, 2, 3, 4, 3, 3, 4, Conv2dParams.of(1, 0)),
                new Case("R > KC, P > NC", 2, 32, 17, 17, 3, 3, 3, Conv2dParams.of(1, 1)));
    }

    static Stream<Arguments> casesAndDtypes() {
        List<Arguments> r = new ArrayList<>();
        for (Case c : cases()) for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) r.add(Arguments.of(c, dt));
        return r.stream();
    }

    // ---- direct definitions in float64, from logical row-major values ------------------------

    static double[] refForward(Case k, double[] x, double[] w, double[] bias) {
        Conv2dParams p = k.p();
        int cg = k.c() / p.groups(), og = k.o() / p.groups(), ho = k.ho(), wo = k.wo();
        double[] y = new double[k.n() * k.o() * ho * wo];
        for (int n = 0; n < k.n(); n++)
            for (int o = 0; o < k.o(); o++)
                for (int oh = 0; oh < ho; oh++)
                    for (int ow = 0; ow < wo; ow++) {
                        double s = bias == null ? 0 : bias[o];
                        for (int c = 0; c < cg; c++)
                            for (int i = 0; i < k.kh(); i++)
                                for (int j = 0; j < k.kw(); j++) {
                                    int ih = oh * p.strideH() - p.padH() + i * p.dilH(), iw = ow * p.strideW() - p.padW() + j * p.dilW();
                                    if (ih < 0 || ih >= k.h() || iw < 0 || iw >= k.w()) continue;
                                    int ci = (o / og) * cg + c;
                                    s += x[((n * k.c() + ci) * k.h() + ih) * k.w() + iw] * w[((o * cg + c) * k.kh() + i) * k.kw() + j];
                                }
                        y[((n * k.o() + o) * ho + oh) * wo + ow] = s;
                    }
        return y;
    }

    /** dX[n, ci, ih, iw] += w[o, c, i, j] · dY[n, o, oh, ow] over every tap that reads x[n, ci, ih, iw]. */
    static double[] refBackwardInput(Case k, double[] dy, double[] w) {
        double[] dx = new double[k.n() * k.c() * k.h() * k.w()];
        forEachTap(k, (n, o, oh, ow, c, ci, i, j, ih, iw) ->
                dx[((n * k.c() + ci) * k.h() + ih) * k.w() + iw] +=
                        w[((o * (k.c() / k.p().groups()) + c) * k.kh() + i) * k.kw() + j] * dy[((n * k.o() + o) * k.ho() + oh) * k.wo() + ow]);
        return dx;
    }

    /** dW[o, c, i, j] += x[n, ci, ih, iw] · dY[n, o, oh, ow] over every tap. */
    static double[] refBackwardWeight(Case k, double[] dy, double[] x) {
        double[] dw = new double[k.o() * k.terms()];
        forEachTap(k, (n, o, oh, ow, c, ci, i, j, ih, iw) ->
                dw[((o * (k.c() / k.p().groups()) + c) * k.kh() + i) * k.kw() + j] +=
                        x[((n * k.c() + ci) * k.h() + ih) * k.w() + iw] * dy[((n * k.o() + o) * k.ho() + oh) * k.wo() + ow]);
        return dw;
    }

    @FunctionalInterface
    interface Tap { void at(int n, int o, int oh, int ow, int c, int ci, int i, int j, int ih, int iw); }

    /** Every (output pixel, weight tap) pair whose input pixel lies inside x. */
    static void forEachTap(Case k, Tap f) {
        Conv2dParams p = k.p();
        int cg = k.c() / p.groups(), og = k.o() / p.groups();
        for (int n = 0; n < k.n(); n++)
            for (int o = 0; o < k.o(); o++)
                for (int oh = 0; oh < k.ho(); oh++)
                    for (int ow = 0; ow < k.wo(); ow++)
                        for (int c = 0; c < cg; c++)
                            for (int i = 0; i < k.kh(); i++)
                                for (int j = 0; j < k.kw(); j++) {
                                    int ih = oh * p.strideH() - p.padH() + i * p.dilH(), iw = ow * p.strideW() - p.padW() + j * p.dilW();
                                    if (ih >= 0 && ih < k.h() && iw >= 0 && iw < k.w()) f.at(n, o, oh, ow, c, (o / og) * cg + c, i, j, ih, iw);
                                }
    }

    static double atol(DType dt, int terms) { return dt == DType.FLOAT64 ? 1e-12 * Math.max(terms, 1) : 2e-6 * Math.max(terms, 10); }

    static double rtol(DType dt) { return dt == DType.FLOAT64 ? 1e-11 : 1e-4; }

    // ---- kernels against the definitions -------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("casesAndDtypes")
    void forwardMatchesDefinition(Case k, DType dt) {
        Generator g = gen(100 + 2L * cases().indexOf(k) + dt.ordinal());
        Tensor x = randn(g, dt, k.xShape()), w = randn(g, dt, k.wShape()), b = randn(g, dt, k.o());
        double[] ref = refForward(k, x.toDoubleArray(), w.toDoubleArray(), b.toDoubleArray());
        Tensor out = poisoned(dt, k.yShape());
        CPU.conv2d(x, w, b, k.p(), out);
        assertClose(ref, out, atol(dt, k.terms()), rtol(dt));
        // the same through non-contiguous input, weight and output, without bias
        double[] ref0 = refForward(k, x.toDoubleArray(), w.toDoubleArray(), null);
        Tensor outT = poisoned(dt, k.n(), k.o(), k.wo(), k.ho()).transpose(2, 3);
        CPU.conv2d(strided(x), strided(w), null, k.p(), outT);
        assertClose(ref0, outT, atol(dt, k.terms()), rtol(dt));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("casesAndDtypes")
    void backwardInputMatchesDefinition(Case k, DType dt) {
        Generator g = gen(200 + 2L * cases().indexOf(k) + dt.ordinal());
        Tensor dy = randn(g, dt, k.yShape()), w = randn(g, dt, k.wShape());
        double[] ref = refBackwardInput(k, dy.toDoubleArray(), w.toDoubleArray());
        int terms = k.o() / k.p().groups() * k.kh() * k.kw();
        Tensor dx = poisoned(dt, k.xShape());
        CPU.conv2dBackwardInput(dy, w, k.p(), dx);
        assertClose(ref, dx, atol(dt, terms), rtol(dt));
        Tensor dxT = poisoned(dt, k.n(), k.c(), k.w(), k.h()).transpose(2, 3);
        CPU.conv2dBackwardInput(strided(dy), strided(w), k.p(), dxT);
        assertClose(ref, dxT, atol(dt, terms), rtol(dt));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("casesAndDtypes")
    void backwardWeightMatchesDefinition(Case k, DType dt) {
        Generator g = gen(300 + 2L * cases().indexOf(k) + dt.ordinal());
        Tensor dy = randn(g, dt, k.yShape()), x = randn(g, dt, k.xShape());
        double[] ref = refBackwardWeight(k, dy.toDoubleArray(), x.toDoubleArray());
        int terms = k.n() * k.ho() * k.wo();
        Tensor dw = poisoned(dt, k.wShape());
        CPU.conv2dBackwardWeight(dy, x, k.p(), dw);
        assertClose(ref, dw, atol(dt, terms), rtol(dt));
        int[] ws = k.wShape();
        Tensor dwT = poisoned(dt, ws[0], ws[1], ws[3], ws[2]).transpose(2, 3);
        CPU.conv2dBackwardWeight(strided(dy), strided(x), k.p(), dwT);
        assertClose(ref, dwT, atol(dt, terms), rtol(dt));
    }

    /** ⟨conv(x, w), dY⟩ = ⟨x, dX⟩ = ⟨w, dW⟩: both gradients are the adjoints of the (bilinear) forward. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientsAreAdjointsOfTheForward(Case k) {
        Generator g = gen(400 + cases().indexOf(k));
        DType dt = DType.FLOAT64;
        Tensor x = randn(g, dt, k.xShape()), w = randn(g, dt, k.wShape()), dy = randn(g, dt, k.yShape());
        Tensor y = Conv.conv2d(x, w, null, k.p());
        Tensor dx = Conv.conv2dBackwardInput(dy, w, k.xShape(), k.p());
        Tensor dw = Conv.conv2dBackwardWeight(dy, x, k.wShape(), k.p());
        double lhs = dot(y, dy), viaX = dot(x, dx), viaW = dot(w, dw);
        double scale = Math.sqrt(dy.numel() * (double) k.terms());
        assertEquals(lhs, viaX, 1e-12 * scale, "<conv(x,w), dY> vs <x, dX>");
        assertEquals(lhs, viaW, 1e-12 * scale, "<conv(x,w), dY> vs <w, dW>");
    }

    static double dot(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray(), y = b.toDoubleArray();
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * y[i];
        return s;
    }

    @Test
    void frontendMatchesDefinitionWithBias() {
        Generator g = gen(501);
        Case k = cases().get(1);
        Tensor x = randn(g, DType.FLOAT32, k.xShape()), w = randn(g, DType.FLOAT32, k.wShape()), b = randn(g, DType.FLOAT32, k.o());
        Tensor y = Conv.conv2d(x.permute(0, 1, 3, 2).copy().permute(0, 1, 3, 2), w, b, k.p().strideH(), k.p().padH());
        assertArrayEquals(k.yShape(), y.shape());
        assertClose(refForward(k, x.toDoubleArray(), w.toDoubleArray(), b.toDoubleArray()), y, atol(DType.FLOAT32, k.terms()), 1e-4);
    }

    // ---- bad input --------------------------------------------------------------------------

    private static void assertBad(Runnable r, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        for (String f : fragments)
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
    }

    @Test
    void conv2dRejectsBadInput() {
        Generator g = gen(601);
        DType f = DType.FLOAT32;
        Tensor x = randn(g, f, 2, 3, 6, 6);
        assertBad(() -> Conv.conv2d(x, randn(g, f, 4, 2, 3, 3), null, 1, 1), "conv2d", "[2, 3, 6, 6]", "[4, 2, 3, 3]", "groups 1");
        assertBad(() -> Conv.conv2d(randn(g, f, 2, 4, 6, 6), randn(g, f, 6, 1, 3, 3), null, Conv2dParams.of(1, 1, 1, 3)),
                "conv2d", "[2, 4, 6, 6]", "[6, 1, 3, 3]", "groups 3");
        assertBad(() -> Conv.conv2d(randn(g, f, 2, 4, 6, 6), randn(g, f, 3, 2, 3, 3), null, Conv2dParams.of(1, 1, 1, 2)),
                "conv2d", "[3, 2, 3, 3]", "groups 2");
        assertBad(() -> Conv.conv2d(randn(g, f, 3, 6, 6), randn(g, f, 4, 3, 3, 3), null, 1, 1), "conv2d", "[3, 6, 6]", "[N, C, H, W]");
        assertBad(() -> Conv.conv2d(x, randn(g, f, 4, 3, 3), null, 1, 1), "conv2d", "[4, 3, 3]");
        assertBad(() -> Conv.conv2d(x.to(DType.INT64), randn(g, f, 4, 3, 3, 3).to(DType.INT64), null, 1, 1), "conv2d", "int64");
        assertBad(() -> Conv.conv2d(x, randn(g, DType.FLOAT64, 4, 3, 3, 3), null, 1, 1), "conv2d", "float32", "float64");
        assertBad(() -> Conv.conv2d(x, randn(g, f, 4, 3, 3, 3), randn(g, f, 5), 1, 1), "conv2d", "bias", "[5]", "[4, 3, 3, 3]");
        assertBad(() -> Conv.conv2d(x, randn(g, f, 4, 3, 3, 3), randn(g, DType.FLOAT64, 4), 1, 1), "conv2d", "float32", "float64");
        Tensor small = randn(g, f, 1, 3, 2, 2);
        assertBad(() -> Conv.conv2d(small, randn(g, f, 4, 3, 3, 3), null, 1, 0), "conv2d", "[1, 3, 2, 2]", "too small", "3x3");
        // a kernel wider than the input with stride 2 must fail too (no output position fits)
        assertBad(() -> Conv.conv2d(small, randn(g, f, 4, 3, 3, 3), null, 2, 0), "conv2d", "[1, 3, 2, 2]", "too small");
        assertBad(() -> Conv.conv2d(randn(g, f, 1, 3, 4, 4), randn(g, f, 4, 3, 3, 3), null, Conv2dParams.of(1, 0, 2, 1)),
                "conv2d", "[1, 3, 4, 4]", "too small");
    }
}
