package org.jdiffusion.kernels.cpu.fast;

import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.ReduceOp;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import static org.jdiffusion.kernels.TestTensors.randn;
import static org.jdiffusion.kernels.TestTensors.strided;
import static org.jdiffusion.kernels.TestTensors.uniform;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.FAST;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.REF;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.close;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.f64;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.nan32;
import static org.jdiffusion.kernels.cpu.fast.FastCheck.nan64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fast elementwise kernels and reductions against the float64 reference: odd sizes, strided, broadcast and in-place operands. */
class FastElementwiseTest {

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryMatchesReference(UnaryOp op) {
        Generator g = new Generator(op.ordinal() + 11);
        boolean positive = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT;
        double lo = positive ? 0.05 : -12, hi = positive ? 40 : 12;
        for (int[] shape : new int[][]{{3, 37}, {2, 5, 7, 11}, {1000}}) {
            Tensor x = uniform(g, lo, hi, DType.FLOAT32, shape);
            for (Tensor in : new Tensor[]{x, strided(x)}) {
                Tensor out = nan32(shape), expected = nan64(shape);
                FAST.unary(op, in, out);
                REF.unary(op, f64(in), expected);
                close(op.opName(), expected, out, 1e-6, 2e-6);
            }
        }
    }

    @Test
    void expAtTheEdgesOfTheFloatRange() {
        float[] v = {Float.NEGATIVE_INFINITY, -1000, -104, -87.5f, -87.3f, -20, -1e-8f, 0, 1e-8f, 1, 20, 88, 88.3f, 89, 1000,
                Float.POSITIVE_INFINITY, Float.NaN, 0.5f, -0.5f};
        Tensor x = Tensor.of(v, v.length), out = nan32(v.length);
        FAST.unary(UnaryOp.EXP, x, out);
        float[] y = out.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            double e = Math.exp(v[i]);
            if (Double.isNaN(e)) assertTrue(Float.isNaN(y[i]), "exp(NaN)");
            else if (Double.isInfinite(e) || e > Float.MAX_VALUE) assertEquals(Float.POSITIVE_INFINITY, y[i], "exp(" + v[i] + ")");
            else assertEquals(e, y[i], 1e-38 + 3e-7 * e, "exp(" + v[i] + ")");
        }
    }

    @ParameterizedTest
    @CsvSource({"ADD", "SUB", "MUL", "DIV", "MAXIMUM", "MINIMUM", "POW", "LT"})
    void binaryMatchesReference(BinaryOp op) {
        Generator g = new Generator(op.ordinal() + 101);
        Tensor a = uniform(g, 0.5, 3, DType.FLOAT32, 3, 5, 7, 9), b = uniform(g, 0.5, 3, DType.FLOAT32, 3, 5, 7, 9);
        Tensor bias = uniform(g, 0.5, 3, DType.FLOAT32, 1, 5, 1, 1).expand(3, 5, 7, 9);
        Tensor row = uniform(g, 0.5, 3, DType.FLOAT32, 9).expand(3, 5, 7, 9);
        Tensor scalar = Tensor.scalar(1.75).expand(3, 5, 7, 9);
        Tensor[][] pairs = {{a, b}, {a, bias}, {bias, a}, {strided(a), b}, {a, row}, {scalar, strided(b)}, {a, scalar}, {scalar, scalar}};
        for (Tensor[] p : pairs) {
            Tensor out = nan32(3, 5, 7, 9), expected = nan64(3, 5, 7, 9);
            FAST.binary(op, p[0], p[1], out);
            REF.binary(op, f64(p[0]), f64(p[1]), expected);
            close(op.opName(), expected, out, 1e-7, 1e-6);
        }
        Tensor inPlace = a.copy();
        FAST.binary(op, inPlace, bias, inPlace);
        Tensor expected = nan64(3, 5, 7, 9);
        REF.binary(op, f64(a), f64(bias), expected);
        close(op.opName() + " in place", expected, inPlace, 1e-7, 1e-6);
    }

    @Test
    void copyAndFillThroughAnyStrides() {
        Generator g = new Generator(7);
        Tensor x = randn(g, DType.FLOAT32, 4, 33, 17);
        Tensor out = nan32(4, 17, 33).transpose(1, 2);
        FAST.copy(strided(x), out);
        close("copy", f64(x), out, 0, 0);
        Tensor big = nan32(6, 40);
        Tensor part = big.slice(1, 1, 40, 2);
        FAST.fill(part, 2.5);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 40; j++) assertEquals(j % 2 == 1, big.toFloatArray()[i * 40 + j] == 2.5f, "fill at " + i + "," + j);
    }

    @ParameterizedTest
    @CsvSource({
            "SUM, 100003, 0", "SUM, 64;32;28;28, 0;2;3", "SUM, 37;41, 1", "SUM, 37;41, 0", "SUM, 5;33;19, 1", "SUM, 3;4;5;6, 1;3",
            "MAX, 64;32;7;7, 0;2;3", "MIN, 37;41, 1", "MAX, 100003, 0", "MIN, 5;33;19, 1", "SUM, 7;1;9, 0;2", "SUM, 1;1, 0;1",
            "SUM, 2;3;50000, 1;2"})
    void reductionsMatchReference(ReduceOp op, String shapeText, String dimsText) {
        int[] shape = java.util.Arrays.stream(shapeText.split(";")).mapToInt(Integer::parseInt).toArray();
        int[] dims = java.util.Arrays.stream(dimsText.split(";")).mapToInt(Integer::parseInt).toArray();
        Generator g = new Generator(shapeText.hashCode() + op.ordinal());
        Tensor x = randn(g, DType.FLOAT32, shape).add(0.5);
        int[] outShape = shape.clone();
        for (int d : dims) outShape[d] = 1;
        long count = 1;
        for (int d : dims) count *= shape[d];
        for (Tensor in : new Tensor[]{x, strided(x)}) {
            Tensor out = nan32(outShape), expected = nan64(outShape);
            FAST.reduce(op, in, dims, out);
            REF.reduce(op, f64(in), dims, expected);
            close(op.opName() + " " + shapeText + " over " + dimsText, expected, out, 1e-6 * Math.sqrt(count), 1e-6);
        }
    }

    @Test
    void maxAndMinPropagateNaN() {
        float[] v = new float[70];
        for (int i = 0; i < v.length; i++) v[i] = i;
        v[37] = Float.NaN;
        Tensor x = Tensor.of(v, 2, 35), out = nan32(2, 1);
        FAST.reduce(ReduceOp.MAX, x, new int[]{1}, out);
        assertEquals(34f, out.toFloatArray()[0]);
        assertTrue(Float.isNaN(out.toFloatArray()[1]));
    }
}
