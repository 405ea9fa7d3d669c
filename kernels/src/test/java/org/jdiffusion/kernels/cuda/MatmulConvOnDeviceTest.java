package org.jdiffusion.kernels.cuda;

import org.jdiffusion.tensor.Backend;
import org.jdiffusion.tensor.Backends;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.jdiffusion.kernels.cuda.OpSuite.assertClose;
import static org.jdiffusion.kernels.cuda.OpSuite.input;
import static org.jdiffusion.kernels.cuda.OpSuite.poisoned;

/**
 * Every GEMM version (naive, simt, tf32, bf16) and the three implicit-GEMM convolutions on cuda:0
 * against the CPU reference run in float64 on the same random inputs: odd sizes (no dim a multiple
 * of a 128×128 tile, K = 1), M that picks each of the 32-, 64- and 128-row tiles in every pass,
 * broadcast batches, transposed and non-contiguous operands, every
 * stride/padding/dilation/groups case, poisoned outputs.
 * Tolerance per version, |err| ≤ tol·√K·(1 + |expected|) with inputs ~ N(0, 1): each of the K
 * products carries a relative rounding error of about 2u, u the unit roundoff of the inputs'
 * format, and random-sign errors grow as √K. fp32/naive u = 2⁻²⁴ (24-bit significand, plus fp32
 * accumulation: tol 1e-5); tf32 keeps 10 mantissa bits, u = 2⁻¹¹ (tol 3e-3); bf16 keeps 7, u = 2⁻⁸
 * (tol 2.5e-2). Float64 (naive) is held to 1e-10.
 */
@RequiresCuda
class MatmulConvOnDeviceTest {
    static final Device GPU = Device.cuda(0);
    static final List<GemmVersion> VERSIONS = List.of(GemmVersion.values());

    static double tol(GemmVersion version, DType dt) {
        if (dt == DType.FLOAT64) return 1e-10;
        return switch (version) {
            case TF32 -> 3e-3;
            case BF16 -> 2.5e-2;
            default -> 1e-5;
        };
    }

    static CudaContext ctx() { return ((CudaBackend) Backends.of(GPU)).context(); }

    static void check(Tensor expected64, Tensor actual, GemmVersion version, DType dt, int k, String what) {
        double t = tol(version, dt) * Math.sqrt(Math.max(k, 1));
        try {
            assertClose(expected64, actual, t, t);
        } catch (AssertionError e) {
            throw new AssertionError(what + " [" + version + ", " + dt + "]: " + e.getMessage(), e);
        }
    }

    static Tensor cpuMatmul(Tensor a, Tensor b) {
        Tensor a64 = a.to(DType.FLOAT64), b64 = b.to(DType.FLOAT64);
        Tensor out = Tensor.zeros(DType.FLOAT64, Device.CPU, a.size(0), a.size(1), b.size(2));
        Backends.of(Device.CPU).matmul(a64, b64, out);
        return out;
    }

    /** {nb, m, k, n} cases: single tiles, edges, K = 1, long K, M or N of 1; tiles of 32, 64 and 128 rows. */
    static final int[][] SHAPES = {{1, 1, 1, 1}, {2, 7, 1, 5}, {3, 33, 17, 65}, {1, 129, 130, 131}, {2, 257, 19, 3}, {1, 5, 700, 9},
            {1, 1, 64, 300}, {2, 300, 8, 1}, {1, 64, 9, 130}, {1, 96, 20, 40}};

    @Test void matmulOfEveryVersionOnOddShapesAndLayouts() {
        Generator g = new Generator(501);
        CudaContext c = ctx();
        for (int[] s : SHAPES) {
            int nb = s[0], m = s[1], k = s[2], n = s[3];
            for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
                Tensor a = input(g, dt, nb, m, k), b = input(g, dt, nb, k, n);
                Tensor expected = cpuMatmul(a, b);
                for (GemmVersion v : VERSIONS) {
                    if (dt == DType.FLOAT64 && v.tiled()) continue;
                    String what = "matmul " + nb + "x" + m + "x" + k + "x" + n;
                    // contiguous (the 16-byte path where aligned), then both operands transposed in memory
                    for (boolean strided : new boolean[]{false, true}) {
                        Tensor ad = strided ? OpSuite.stridedOn(a, GPU) : a.to(GPU), bd = strided ? OpSuite.stridedOn(b, GPU) : b.to(GPU);
                        Tensor out = poisoned(dt, GPU, nb, m, n);
                        CudaMatmul.run(c, "matmul", ad, bd, null, out, v);
                        check(expected, out, v, dt, k, what + (strided ? " transposed" : ""));
                    }
                }
            }
        }
    }

    @Test void matmulBroadcastsABatchOfOneAndWritesThroughOutputStrides() {
        Generator g = new Generator(502);
        CudaContext c = ctx();
        int nb = 3, m = 70, k = 45, n = 150;
        Tensor a = input(g, DType.FLOAT32, 1, m, k), b = input(g, DType.FLOAT32, nb, k, n);
        Tensor expected = cpuMatmul(a.expand(nb, m, k).contiguous(), b);
        for (GemmVersion v : VERSIONS) {
            Tensor ad = a.to(GPU).expand(nb, m, k);               // batch stride 0
            Tensor big = poisoned(DType.FLOAT32, GPU, nb, n, 2 * m);
            Tensor out = big.slice(2, 0, 2 * m, 2).transpose(1, 2); // [nb, m, n], strides (2mn, 2, 2m)
            CudaMatmul.run(c, "matmul", ad, b.to(GPU), null, out, v);
            check(expected, out, v, DType.FLOAT32, k, "broadcast matmul");
        }
    }

    @Test void matmulBiasEpilogueAddsPerRow() {
        Generator g = new Generator(503);
        int m = 131, k = 9, n = 77;
        Tensor a = input(g, DType.FLOAT32, 1, m, k), b = input(g, DType.FLOAT32, 1, k, n), bias = input(g, DType.FLOAT32, m);
        double[] e = cpuMatmul(a, b).toDoubleArray(), bv = bias.toDoubleArray();
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) e[i * n + j] += bv[i];
        for (GemmVersion v : VERSIONS) {
            Tensor out = poisoned(DType.FLOAT32, GPU, 1, m, n);
            CudaMatmul.run(ctx(), "matmul", a.to(GPU), b.to(GPU), OpSuite.stridedOn(bias, GPU), out, v);
            check(Tensor.of(e, 1, m, n), out, v, DType.FLOAT32, k, "matmul + bias");
        }
    }

    @Test void theBackendRunsItsModeThroughTheTensorFrontend() {
        Generator g = new Generator(504);
        Tensor a = input(g, DType.FLOAT32, 2, 3, 40, 50), b = input(g, DType.FLOAT32, 50, 60);
        Tensor expected = a.to(DType.FLOAT64).matmul(b.to(DType.FLOAT64));
        Tensor actual = a.to(GPU).matmul(b.to(GPU));
        GemmVersion v = ((CudaBackend) Backends.of(GPU)).matmulMode().kernel();
        check(expected, actual, v, DType.FLOAT32, 50, "frontend matmul");
    }

    /** {N, C, H, W, O, KH, KW, stride, pad, dilation, groups}, plus asymmetric ones below. */
    static final int[][] CONVS = {
            {2, 3, 7, 9, 5, 3, 3, 1, 1, 1, 1},   // 3x3 same
            {1, 4, 8, 8, 6, 1, 1, 1, 0, 1, 1},   // 1x1 (the GEMM fast path)
            {2, 6, 9, 7, 4, 3, 3, 2, 1, 1, 2},   // stride 2, groups 2
            {1, 5, 10, 11, 7, 3, 2, 1, 2, 2, 1}, // dilation 2, padding 2, 3x2 kernel
            {3, 8, 5, 6, 8, 3, 3, 3, 0, 1, 8},   // depthwise, stride 3
            {1, 2, 6, 6, 3, 5, 5, 1, 0, 1, 1},   // kernel nearly the input
            {2, 130, 6, 5, 140, 1, 3, 1, 1, 1, 1}, // more than one tile of channels, K > 128
            {2, 32, 6, 5, 32, 3, 3, 1, 1, 1, 1},  // 32 -> 32: M = 32 in every pass (32-row tiles)
            {1, 64, 5, 7, 48, 3, 3, 2, 1, 1, 1},  // stride 2: forward and dW M = 48, dX M = 64 (64-row tiles)
            {1, 96, 4, 5, 96, 3, 3, 1, 1, 1, 1},  // M = 96: one ragged 128-row tile
            {2, 66, 5, 5, 70, 3, 3, 1, 1, 1, 2}   // groups 2: M = 35 and 33 (64-row tiles)
    };

    @Test void convolutionForwardAndBothGradientsOfEveryVersionAndGeometry() {
        Generator g = new Generator(505);
        Backend cpu = Backends.of(Device.CPU);
        CudaContext c = ctx();
        java.util.Set<String> tiles = new java.util.TreeSet<>();  // (pass, tile rows) the cases ran
        for (int[] cv : CONVS) {
            tiles.add("fwd " + GemmPlan.tileM(cv[4] / cv[10]));
            tiles.add("dx " + GemmPlan.tileM(cv[1] / cv[10]));
            tiles.add("dw " + GemmPlan.tileM(cv[4] / cv[10]));
        }
        for (String pass : new String[]{"fwd", "dx", "dw"})
            for (int bm : new int[]{32, 64, 128})
                org.junit.jupiter.api.Assertions.assertTrue(tiles.contains(pass + " " + bm), "no case runs " + pass + " with " + bm + "-row tiles: " + tiles);
        for (int[] cv : CONVS)
            for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
                int n = cv[0], ch = cv[1], h = cv[2], w = cv[3], o = cv[4], kh = cv[5], kw = cv[6], gr = cv[10];
                Conv2dParams p = new Conv2dParams(cv[7], cv[7], cv[8], cv[8], cv[9], cv[9], gr);
                int ho = p.outH(h, kh), wo = p.outW(w, kw);
                Tensor x = input(g, dt, n, ch, h, w), wt = input(g, dt, o, ch / gr, kh, kw), bias = input(g, dt, o);
                Tensor dY = input(g, dt, n, o, ho, wo);
                Tensor x64 = x.to(DType.FLOAT64), w64 = wt.to(DType.FLOAT64), dY64 = dY.to(DType.FLOAT64);
                Tensor y = Tensor.zeros(DType.FLOAT64, Device.CPU, n, o, ho, wo), dX = Tensor.zeros(DType.FLOAT64, Device.CPU, n, ch, h, w);
                Tensor dW = Tensor.zeros(DType.FLOAT64, Device.CPU, o, ch / gr, kh, kw);
                cpu.conv2d(x64, w64, bias.to(DType.FLOAT64), p, y);
                cpu.conv2dBackwardInput(dY64, w64, p, dX);
                cpu.conv2dBackwardWeight(dY64, x64, p, dW);
                String what = "conv " + java.util.Arrays.toString(cv);
                int kFwd = ch / gr * kh * kw, kDx = o / gr * kh * kw, kDw = n * ho * wo;
                for (GemmVersion v : VERSIONS) {
                    if (dt == DType.FLOAT64 && v.tiled()) continue;
                    for (boolean strided : new boolean[]{false, true}) {
                        Tensor xd = strided ? OpSuite.stridedOn(x, GPU) : x.to(GPU), wd = strided ? OpSuite.stridedOn(wt, GPU) : wt.to(GPU);
                        Tensor dYd = strided ? OpSuite.stridedOn(dY, GPU) : dY.to(GPU);
                        Tensor yd = poisoned(dt, GPU, n, o, ho, wo);
                        CudaConv.forward(c, xd, wd, OpSuite.stridedOn(bias, GPU), p, yd, v);
                        check(y, yd, v, dt, kFwd, what + " forward" + (strided ? " strided" : ""));
                        Tensor dXd = poisoned(dt, GPU, n, ch, h, w);
                        CudaConv.backwardInput(c, dYd, wd, p, dXd, v);
                        check(dX, dXd, v, dt, kDx, what + " dX" + (strided ? " strided" : ""));
                        Tensor dWd = poisoned(dt, GPU, o, ch / gr, kh, kw);
                        CudaConv.backwardWeight(c, dYd, xd, p, dWd, v);
                        check(dW, dWd, v, dt, kDw, what + " dW" + (strided ? " strided" : ""));
                    }
                }
            }
    }

    @Test void weightGradientWithALongKIsSplitAndSummedExactlyOnce() {
        // 64 images of 16x16 and few channels: 2 tiles of output, K = 16384, so split-K runs
        Generator g = new Generator(506);
        int n = 64, ch = 4, h = 16, w = 16, o = 8;
        Conv2dParams p = Conv2dParams.of(1, 1);
        Tensor x = input(g, DType.FLOAT32, n, ch, h, w), dY = input(g, DType.FLOAT32, n, o, h, w);
        Tensor dW = Tensor.zeros(DType.FLOAT64, Device.CPU, o, ch, 3, 3);
        Backends.of(Device.CPU).conv2dBackwardWeight(dY.to(DType.FLOAT64), x.to(DType.FLOAT64), p, dW);
        CudaContext c = ctx();
        org.junit.jupiter.api.Assertions.assertTrue(GemmPlan.splitK(GemmPlan.tiles(o, ch * 9), n * h * w, c.multiprocessors()).splits() > 1);
        for (GemmVersion v : VERSIONS) {
            Tensor dWd = poisoned(DType.FLOAT32, GPU, o, ch, 3, 3);
            CudaConv.backwardWeight(c, dY.to(GPU), x.to(GPU), p, dWd, v);
            check(dW, dWd, v, DType.FLOAT32, n * h * w, "split-K dW");
        }
    }

    @Test void theBackendConvolvesThroughTheTensorFrontend() {
        Generator g = new Generator(507);
        Tensor x = input(g, DType.FLOAT32, 2, 3, 9, 9), w = input(g, DType.FLOAT32, 4, 3, 3, 3), b = input(g, DType.FLOAT32, 4);
        Tensor expected = org.jdiffusion.tensor.Conv.conv2d(x.to(DType.FLOAT64), w.to(DType.FLOAT64), b.to(DType.FLOAT64), 2, 1);
        Tensor actual = org.jdiffusion.tensor.Conv.conv2d(x.to(GPU), w.to(GPU), b.to(GPU), 2, 1);
        check(expected, actual, ((CudaBackend) Backends.of(GPU)).matmulMode().kernel(), DType.FLOAT32, 27, "frontend conv2d");
    }
}
