package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.jdiffusion.kernels.TestTensors.randn;
import static org.jdiffusion.kernels.TestTensors.strided;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.FAST;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.REF;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.close;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.f64;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.nan32;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.nan64;

/**
 * The fast conv2d forward, dX and dW against the float64 reference on random inputs: the fast paths
 * (3×3 stride 1 and 2 with dX by phases, 1×1 by batched GEMM), padding, dilation, groups, odd sizes,
 * blocks past the GEMM's cache blocks, non-contiguous inputs and outputs, channel views.
 */
class FastConvTest {

    record Case(String name, int n, int c, int h, int w, int o, int kh, int kw, Conv2dParams p, boolean strided, boolean bias) {
        @Override public String toString() { return name; }
    }

    static List<Case> cases() {
        return List.of(
                new Case("3x3 s1 p1", 3, 5, 9, 11, 7, 3, 3, Conv2dParams.of(1, 1), false, true),
                new Case("3x3 s1 p1 strided", 2, 8, 7, 6, 13, 3, 3, Conv2dParams.of(1, 1), true, true),
                new Case("3x3 s2 p1", 2, 6, 9, 8, 5, 3, 3, Conv2dParams.of(2, 1), false, true),
                new Case("3x3 s2 p1 even strided", 3, 4, 8, 8, 6, 3, 3, Conv2dParams.of(2, 1), true, false),
                new Case("3x3 s2 p1 odd, one image", 1, 19, 13, 11, 17, 3, 3, Conv2dParams.of(2, 1), false, true),
                new Case("3x3 s2 p1 U-Net shape, small", 4, 32, 14, 14, 32, 3, 3, Conv2dParams.of(2, 1), false, true),
                new Case("3x3 s2 p0 odd", 2, 5, 9, 10, 6, 3, 3, Conv2dParams.of(2, 0), false, true),
                new Case("3x3 s2 p2", 2, 3, 8, 7, 4, 3, 3, Conv2dParams.of(2, 2), false, true),
                new Case("4x4 s2 p1", 2, 3, 8, 9, 5, 4, 4, Conv2dParams.of(2, 1), false, false),
                new Case("3x3 s3 p1", 2, 3, 10, 11, 4, 3, 3, Conv2dParams.of(3, 1), true, true),
                new Case("1x1", 2, 7, 5, 6, 9, 1, 1, Conv2dParams.of(1, 0), false, true),
                new Case("1x1 strided", 2, 7, 5, 6, 9, 1, 1, Conv2dParams.of(1, 0), true, false),
                new Case("1x1 s2", 2, 3, 7, 6, 4, 1, 1, Conv2dParams.of(2, 0), false, true),
                new Case("1x1 GEMM odd, one image", 1, 17, 5, 7, 19, 1, 1, Conv2dParams.of(1, 0), false, true),
                new Case("1x1 GEMM odd, no bias", 3, 33, 7, 9, 5, 1, 1, Conv2dParams.of(1, 0), false, false),
                new Case("1x1 GEMM dW chunks cut images", 3, 5, 13, 15, 6, 1, 1, Conv2dParams.of(1, 0), false, true),
                new Case("1x1 GEMM one large image", 1, 40, 30, 31, 70, 1, 1, Conv2dParams.of(1, 0), false, true),
                new Case("1x1 GEMM one pixel", 4, 3, 1, 1, 2, 1, 1, Conv2dParams.of(1, 0), false, true),
                new Case("1x1 dilation 2 (GEMM)", 2, 6, 5, 4, 7, 1, 1, Conv2dParams.of(1, 0, 2, 1), false, true),
                new Case("1x1 groups 2 (planes)", 2, 6, 5, 4, 4, 1, 1, Conv2dParams.of(1, 0, 1, 2), false, true),
                new Case("1x1 pad 1 (planes)", 2, 5, 4, 5, 3, 1, 1, Conv2dParams.of(1, 1), false, true),
                new Case("3x3 p0", 1, 3, 8, 7, 4, 3, 3, Conv2dParams.of(1, 0), false, true),
                new Case("5x3 p2, stride (2, 1)", 2, 3, 9, 7, 4, 5, 3, new Conv2dParams(2, 1, 2, 1, 1, 1, 1), false, true),
                new Case("dilation 2 p2", 2, 3, 9, 10, 5, 3, 3, Conv2dParams.of(1, 2, 2, 1), false, true),
                new Case("dilation 2 s2 p1", 1, 2, 11, 9, 3, 3, 3, new Conv2dParams(2, 2, 1, 1, 2, 2, 1), true, true),
                new Case("groups 2", 2, 4, 6, 7, 6, 3, 3, Conv2dParams.of(1, 1, 1, 2), false, true),
                new Case("depthwise s2", 2, 5, 7, 7, 5, 3, 3, Conv2dParams.of(2, 1, 1, 5), true, true),
                new Case("pad 2 > k-1 (dX by col2im)", 1, 2, 5, 5, 3, 2, 2, Conv2dParams.of(1, 2), false, true),
                new Case("kernel = input", 2, 2, 3, 4, 3, 3, 4, Conv2dParams.of(1, 0), false, true),
                new Case("R > KC, O > MC", 1, 40, 9, 9, 100, 3, 3, Conv2dParams.of(1, 1), false, true),
                new Case("wide rows, one image", 1, 4, 5, 70, 6, 3, 3, Conv2dParams.of(1, 1), false, true),
                new Case("O = 1", 3, 8, 7, 7, 1, 3, 3, Conv2dParams.of(1, 1), false, true),
                new Case("1 column, stride 3", 2, 3, 5, 1, 4, 1, 1, new Conv2dParams(3, 3, 0, 0, 1, 1, 1), true, true),
                new Case("2x2 s2 on 1x1 pad 1", 2, 2, 1, 1, 3, 2, 2, Conv2dParams.of(2, 1), false, true));
    }

    /**
     * The 1×1 GEMM path on channel views (pixels contiguous, channel and image strides not those of
     * a contiguous tensor): x, y, dY, dX all slices of wider tensors; the slack stays untouched.
     */
    @org.junit.jupiter.api.Test
    void oneByOneOnChannelViewsMatchesReference() {
        Generator g = new Generator(5);
        int n = 3, c = 9, o = 11, h = 6, w = 7;
        Conv2dParams p = Conv2dParams.of(1, 0);
        Tensor x = randn(g, DType.FLOAT32, n, c + 4, h, w).narrow(1, 2, c);
        Tensor wt = randn(g, DType.FLOAT32, o, c, 1, 1), bias = randn(g, DType.FLOAT32, o);
        Tensor dY = randn(g, DType.FLOAT32, n, o + 3, h, w).narrow(1, 1, o);
        Tensor yWide = nan32(n, o + 2, h, w), y = yWide.narrow(1, 1, o), y64 = nan64(n, o, h, w);
        FAST.conv2d(x, wt, bias, p, y);
        REF.conv2d(f64(x), f64(wt), f64(bias), p, y64);
        close("1x1 conv2d on views", y64, y, 3e-5 * Math.sqrt(c), 1e-4);
        untouched("1x1 conv2d slack", yWide.narrow(1, 0, 1));
        Tensor dXWide = nan32(n, c + 2, h, w), dX = dXWide.narrow(1, 2, c), dX64 = nan64(n, c, h, w);
        FAST.conv2dBackwardInput(dY, wt, p, dX);
        REF.conv2dBackwardInput(f64(dY), f64(wt), p, dX64);
        close("1x1 conv2d dX on views", dX64, dX, 3e-5 * Math.sqrt(o), 1e-4);
        untouched("1x1 conv2d dX slack", dXWide.narrow(1, 0, 2));
        Tensor dW = nan32(c, o, 1, 1).transpose(0, 1), dW64 = nan64(o, c, 1, 1);
        FAST.conv2dBackwardWeight(dY, x, p, dW);
        REF.conv2dBackwardWeight(f64(dY), f64(x), p, dW64);
        close("1x1 conv2d dW on views", dW64, dW, 3e-5 * Math.sqrt(n * h * w), 1e-4);
    }

    private static void untouched(String what, Tensor t) {
        for (double v : t.toDoubleArray())
            if (!Double.isNaN(v)) org.junit.jupiter.api.Assertions.fail(what + ": written (" + v + "), expected left alone");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void forwardAndGradientsMatchReference(Case k) {
        Generator g = new Generator(k.name().hashCode());
        int cg = k.c() / k.p().groups(), ho = k.p().outH(k.h(), k.kh()), wo = k.p().outW(k.w(), k.kw());
        Tensor x = randn(g, DType.FLOAT32, k.n(), k.c(), k.h(), k.w());
        Tensor w = randn(g, DType.FLOAT32, k.o(), cg, k.kh(), k.kw());
        Tensor bias = k.bias() ? randn(g, DType.FLOAT32, k.o()) : null;
        Tensor dY = randn(g, DType.FLOAT32, k.n(), k.o(), ho, wo);
        if (k.strided()) { x = strided(x); w = strided(w); dY = strided(dY); }
        double terms = cg * k.kh() * k.kw(), atol = 3e-5 * Math.sqrt(terms), rtol = 1e-4;

        Tensor y = k.strided() ? nan32(k.n(), k.o(), wo, ho).transpose(2, 3) : nan32(k.n(), k.o(), ho, wo);
        FAST.conv2d(x, w, bias, k.p(), y);
        Tensor y64 = nan64(k.n(), k.o(), ho, wo);
        REF.conv2d(f64(x), f64(w), f64(bias), k.p(), y64);
        close("conv2d " + k, y64, y, atol, rtol);

        Tensor dX = nan32(k.n(), k.c(), k.h(), k.w()), dX64 = nan64(k.n(), k.c(), k.h(), k.w());
        FAST.conv2dBackwardInput(dY, w, k.p(), dX);
        REF.conv2dBackwardInput(f64(dY), f64(w), k.p(), dX64);
        close("conv2d dX " + k, dX64, dX, 3e-5 * Math.sqrt(k.o() * k.kh() * k.kw()), rtol);

        Tensor dW = k.strided() ? nan32(k.o(), cg, k.kw(), k.kh()).transpose(2, 3) : nan32(k.o(), cg, k.kh(), k.kw());
        Tensor dW64 = nan64(k.o(), cg, k.kh(), k.kw());
        FAST.conv2dBackwardWeight(dY, x, k.p(), dW);
        REF.conv2dBackwardWeight(f64(dY), f64(x), k.p(), dW64);
        close("conv2d dW " + k, dW64, dW, 3e-5 * Math.sqrt(k.n() * ho * wo), rtol);
    }
}
