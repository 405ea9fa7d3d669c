package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;

import static org.jdiffusion.kernels.TestTensors.randn;
import static org.jdiffusion.kernels.TestTensors.strided;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.FAST;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.REF;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.close;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.f64;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.nan32;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.nan64;

/** The fused group norm and layer norm (forward and backward) against the float64 reference. */
class FastNormTest {
    private static final double EPS = 1e-5;

    static int[] ints(String s) { return Arrays.stream(s.split(";")).mapToInt(Integer::parseInt).toArray(); }

    @ParameterizedTest
    @CsvSource({
            "3;12;7;9, 4, true, false, 0", "2;8;5, 8, true, true, 0", "4;6, 3, false, false, 0", "2;32;28;28, 8, true, false, 0",
            "3;10;3;3, 5, true, true, 100", "1;4;1;37, 1, false, true, -3", "5;64;7;7, 8, true, false, 0.5"})
    void groupNormMatchesReference(String shapeText, int groups, boolean affine, boolean stridedIn, double offset) {
        int[] shape = ints(shapeText);
        int n = shape[0], c = shape[1];
        Generator g = new Generator(shapeText.hashCode() + groups);
        Tensor x = randn(g, DType.FLOAT32, shape).mul(1.5).add(offset), dY = randn(g, DType.FLOAT32, shape);
        Tensor gamma = affine ? randn(g, DType.FLOAT32, c) : null, beta = affine ? randn(g, DType.FLOAT32, c) : null;
        if (stridedIn) { x = strided(x); dY = strided(dY); if (affine) { gamma = strided(gamma); beta = strided(beta); } }
        Tensor out = nan32(shape), mean = nan32(n, groups), rstd = nan32(n, groups);
        Tensor out64 = nan64(shape), mean64 = nan64(n, groups), rstd64 = nan64(n, groups);
        FAST.groupNorm(x, gamma, beta, groups, EPS, out, mean, rstd);
        REF.groupNorm(f64(x), f64(gamma), f64(beta), groups, EPS, out64, mean64, rstd64);
        close("groupNorm out", out64, out, 2e-5, 1e-4);
        close("groupNorm mean", mean64, mean, 1e-5, 1e-5);
        close("groupNorm rstd", rstd64, rstd, 1e-5, 1e-4);

        Tensor dX = nan32(shape), dGamma = affine ? nan32(c) : null, dBeta = affine ? nan32(c) : null;
        Tensor dX64 = nan64(shape), dGamma64 = affine ? nan64(c) : null, dBeta64 = affine ? nan64(c) : null;
        FAST.groupNormBackward(dY, x, gamma, mean, rstd, groups, dX, dGamma, dBeta);
        // the reference backward from the same (float32) statistics, promoted
        REF.groupNormBackward(f64(dY), f64(x), f64(gamma), f64(mean), f64(rstd), groups, dX64, dGamma64, dBeta64);
        close("groupNorm dX", dX64, dX, 5e-5, 2e-4);
        if (affine) {
            double terms = x.numel() / (double) c;
            close("groupNorm dGamma", dGamma64, dGamma, 2e-5 * Math.sqrt(terms), 1e-4);
            close("groupNorm dBeta", dBeta64, dBeta, 2e-5 * Math.sqrt(terms), 1e-4);
        }
    }

    @ParameterizedTest
    @CsvSource({"5;37, 1, true, false", "2;3;4;5, 2, true, true", "7;64, 1, false, false", "3;100, 1, true, true", "2;2;33, 3, true, false"})
    void layerNormMatchesReference(String shapeText, int dims, boolean affine, boolean stridedIn) {
        int[] shape = ints(shapeText);
        int[] norm = Arrays.copyOfRange(shape, shape.length - dims, shape.length), lead = Arrays.copyOf(shape, shape.length - dims);
        Generator g = new Generator(shapeText.hashCode() + 5);
        Tensor x = randn(g, DType.FLOAT32, shape).add(2), dY = randn(g, DType.FLOAT32, shape);
        Tensor gamma = affine ? randn(g, DType.FLOAT32, norm) : null, beta = affine ? randn(g, DType.FLOAT32, norm) : null;
        if (stridedIn) { x = strided(x); dY = strided(dY); }
        Tensor out = nan32(shape), mean = nan32(lead), rstd = nan32(lead);
        Tensor out64 = nan64(shape), mean64 = nan64(lead), rstd64 = nan64(lead);
        FAST.layerNorm(x, gamma, beta, dims, EPS, out, mean, rstd);
        REF.layerNorm(f64(x), f64(gamma), f64(beta), dims, EPS, out64, mean64, rstd64);
        close("layerNorm out", out64, out, 2e-5, 1e-4);
        close("layerNorm rstd", rstd64, rstd, 1e-5, 1e-4);

        Tensor dX = nan32(shape), dGamma = affine ? nan32(norm) : null, dBeta = affine ? nan32(norm) : null;
        Tensor dX64 = nan64(shape), dGamma64 = affine ? nan64(norm) : null, dBeta64 = affine ? nan64(norm) : null;
        FAST.layerNormBackward(dY, x, gamma, mean, rstd, dims, dX, dGamma, dBeta);
        REF.layerNormBackward(f64(dY), f64(x), f64(gamma), f64(mean), f64(rstd), dims, dX64, dGamma64, dBeta64);
        close("layerNorm dX", dX64, dX, 5e-5, 2e-4);
        if (affine) {
            close("layerNorm dGamma", dGamma64, dGamma, 1e-4, 1e-4);
            close("layerNorm dBeta", dBeta64, dBeta, 1e-4, 1e-4);
        }
    }
}
