package org.jdiffusion.kernels.cpu.fast;

import jdk.incubator.vector.FloatVector;
import org.jdiffusion.tensor.Conv2dParams;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.jdiffusion.kernels.TestTensors.randn;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.FAST;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.nan32;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.L;
import static org.jdiffusion.kernels.cpu.fast.GemmKernel.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fast kernels give the same bits on every call with the same inputs: the first (interpreted)
 * call and the later JIT-compiled ones alike. Exact resume of training and reproducible sampling
 * rest on this.
 */
class FastDeterminismTest {

    /** VMath.sum adds the lanes in the documented butterfly order, interpreted and compiled. */
    @Test void laneSumFollowsTheButterfly() {
        SplittableRandom r = new SplittableRandom(3);
        float[] a = new float[L];
        for (int rep = 0; rep < 50_000; rep++) {
            for (int i = 0; i < L; i++) a[i] = (float) (r.nextGaussian() * Math.exp(r.nextDouble(-8, 8)));
            float got = VMath.sum(FloatVector.fromArray(S, a, 0));
            float[] v = a.clone();
            for (int d = L / 2; d >= 1; d /= 2) {
                float[] w = new float[L];
                for (int i = 0; i < L; i++) w[i] = v[i] + v[i ^ d];
                v = w;
            }
            if (Float.floatToIntBits(got) != Float.floatToIntBits(v[0]))
                fail("lane sum of " + Arrays.toString(a) + ": got " + got + ", the butterfly gives " + v[0]);
        }
    }

    private static void sameEveryCall(String what, Supplier<Tensor[]> op) {
        Tensor[] first = op.get();
        for (int rep = 1; rep <= 6; rep++) {
            Tensor[] again = op.get();
            for (int i = 0; i < first.length; i++)
                assertEquals(Arrays.toString(first[i].toFloatArray()).hashCode(), Arrays.toString(again[i].toFloatArray()).hashCode(),
                        what + ": output " + i + " of call " + (rep + 1) + " differs from the first call's");
        }
    }

    /** The 1×1 GEMM convolution and stride 2: forward, dX and dW the same bits on every call. */
    @Test void oneByOneAndStrideTwoConvolutionsRepeat() {
        Generator g = new Generator(12);
        int n = 5, c = 19, o = 23, h = 13, w = 15;
        Tensor x = randn(g, DType.FLOAT32, n, c, h, w), w1 = randn(g, DType.FLOAT32, o, c, 1, 1), b = randn(g, DType.FLOAT32, o);
        Tensor dY1 = randn(g, DType.FLOAT32, n, o, h, w);
        Conv2dParams p1 = Conv2dParams.of(1, 0);
        sameEveryCall("1x1 conv2d", () -> { Tensor y = nan32(n, o, h, w); FAST.conv2d(x, w1, b, p1, y); return new Tensor[]{y}; });
        sameEveryCall("1x1 dX", () -> { Tensor d = nan32(n, c, h, w); FAST.conv2dBackwardInput(dY1, w1, p1, d); return new Tensor[]{d}; });
        sameEveryCall("1x1 dW", () -> { Tensor d = nan32(o, c, 1, 1); FAST.conv2dBackwardWeight(dY1, x, p1, d); return new Tensor[]{d}; });
        Conv2dParams p2 = Conv2dParams.of(2, 1);
        int ho = p2.outH(h, 3), wo = p2.outW(w, 3);
        Tensor w3 = randn(g, DType.FLOAT32, o, c, 3, 3), dY2 = randn(g, DType.FLOAT32, n, o, ho, wo);
        sameEveryCall("3x3 s2 conv2d", () -> { Tensor y = nan32(n, o, ho, wo); FAST.conv2d(x, w3, b, p2, y); return new Tensor[]{y}; });
        sameEveryCall("3x3 s2 dX", () -> { Tensor d = nan32(n, c, h, w); FAST.conv2dBackwardInput(dY2, w3, p2, d); return new Tensor[]{d}; });
        sameEveryCall("3x3 s2 dW", () -> { Tensor d = nan32(o, c, 3, 3); FAST.conv2dBackwardWeight(dY2, x, p2, d); return new Tensor[]{d}; });
    }

    @Test void reductionsNormsSoftmaxAttentionAndConvGradientsRepeat() {
        Generator g = new Generator(11);
        int n = 16, c = 32, h = 28, w = 28, groups = 8;
        Tensor x = randn(g, DType.FLOAT32, n, c, h, w), dY = randn(g, DType.FLOAT32, n, c, h, w);
        Tensor wt = randn(g, DType.FLOAT32, c, c, 3, 3), gamma = randn(g, DType.FLOAT32, c), beta = randn(g, DType.FLOAT32, c);
        Conv2dParams p = Conv2dParams.of(1, 1);
        sameEveryCall("conv2d", () -> { Tensor o = nan32(n, c, h, w); FAST.conv2d(x, wt, null, p, o); return new Tensor[]{o}; });
        sameEveryCall("conv2dBackwardWeight", () -> { Tensor o = nan32(c, c, 3, 3); FAST.conv2dBackwardWeight(dY, x, p, o); return new Tensor[]{o}; });
        sameEveryCall("sum", () -> { Tensor o = nan32(c); FAST.reduce(org.jdiffusion.tensor.ReduceOp.SUM, x, new int[]{0, 2, 3}, o); return new Tensor[]{o}; });
        sameEveryCall("groupNorm", () -> {
            Tensor o = nan32(n, c, h, w), m = nan32(n, groups), rs = nan32(n, groups);
            FAST.groupNorm(x, gamma, beta, groups, 1e-5, o, m, rs);
            return new Tensor[]{o, m, rs};
        });
        Tensor mean = nan32(n, groups), rstd = nan32(n, groups);
        FAST.groupNorm(x, gamma, beta, groups, 1e-5, nan32(n, c, h, w), mean, rstd);
        sameEveryCall("groupNormBackward", () -> {
            Tensor dX = nan32(n, c, h, w), dG = nan32(c), dB = nan32(c);
            FAST.groupNormBackward(dY, x, gamma, mean, rstd, groups, dX, dG, dB);
            return new Tensor[]{dX, dG, dB};
        });
        Tensor s = randn(g, DType.FLOAT32, 64, 49, 49);
        sameEveryCall("softmax", () -> { Tensor o = nan32(64, 49, 49); FAST.softmax(s, 2, false, o); return new Tensor[]{o}; });
        Tensor q = randn(g, DType.FLOAT32, 16, 4, 49, 32), k = randn(g, DType.FLOAT32, 16, 4, 49, 32), v = randn(g, DType.FLOAT32, 16, 4, 49, 32);
        sameEveryCall("attention", () -> {
            Tensor o = nan32(16, 4, 49, 32), lse = nan32(16, 4, 49);
            FAST.attention(q, k, v, null, 0.17, o, lse);
            return new Tensor[]{o, lse};
        });
    }
}
