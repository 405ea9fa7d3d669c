package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;
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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fast softmax and log-softmax (forward and backward) against the float64 reference, along every dim. */
class FastSoftmaxTest {

    @ParameterizedTest
    @CsvSource({"256;49;49, 2", "3;5;37, 2", "3;5;37, 1", "3;5;37, 0", "7;19, 0", "1000, 0", "4;3;18;17, 1", "2;50;1, 1"})
    void matchesReference(String shapeText, int dim) {
        int[] shape = Arrays.stream(shapeText.split(";")).mapToInt(Integer::parseInt).toArray();
        Generator g = new Generator(shapeText.hashCode() + dim);
        Tensor x = randn(g, DType.FLOAT32, shape).mul(3), dY = randn(g, DType.FLOAT32, shape);
        for (boolean log : new boolean[]{false, true})
            for (boolean str : new boolean[]{false, true}) {
                Tensor in = str ? strided(x) : x, gin = str ? strided(dY) : dY;
                Tensor y = nan32(shape), y64 = nan64(shape);
                FAST.softmax(in, dim, log, y);
                REF.softmax(f64(in), dim, log, y64);
                String what = (log ? "logSoftmax" : "softmax") + " " + shapeText + " dim " + dim + (str ? " strided" : "");
                close(what, y64, y, 1e-6, 1e-5);
                Tensor dX = nan32(shape), dX64 = nan64(shape);
                FAST.softmaxBackward(gin, y, dim, log, dX);
                REF.softmaxBackward(f64(gin), f64(y), dim, log, dX64);
                close(what + " backward", dX64, dX, 1e-5, 1e-4);
            }
    }

    @Test
    void maskedEntriesGiveZeroAndFullyMaskedRowsNaN() {
        float inf = Float.NEGATIVE_INFINITY;
        Tensor x = Tensor.of(new float[]{1, inf, 2, inf, inf, inf, inf, inf}, 2, 4), y = nan32(2, 4);
        FAST.softmax(x, 1, false, y);
        float[] v = y.toFloatArray();
        assertEquals(0f, v[1]);
        assertEquals(1.0, v[0] + v[2], 1e-6);
        for (int i = 4; i < 8; i++) assertTrue(Float.isNaN(v[i]), "fully masked row gives NaN like the reference");
    }
}
