package org.jdiffusion.autograd;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.HalfFloats;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.jdiffusion.autograd.Gradcheck.check;
import static org.jdiffusion.autograd.Inputs.randn;
import static org.jdiffusion.autograd.Inputs.strided;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class ShapeGradTest {
    @Test void reshapeOfATransposedInputCopies() { check(v -> ShapeFunctions.reshape(v[0], 4, -1), strided(randn(1, 2, 3, 4))); }

    @Test void view() { check(v -> ShapeFunctions.view(v[0], 6, 4), randn(2, 2, 3, 4)); }

    @Test void permute() { check(v -> ShapeFunctions.permute(v[0], 2, 0, 1), strided(randn(3, 2, 3, 4))); }

    @Test void transpose() { check(v -> ShapeFunctions.transpose(v[0], 0, -1), randn(4, 2, 3, 4)); }

    @Test void narrow() { check(v -> ShapeFunctions.narrow(v[0], 1, 1, 2), strided(randn(5, 2, 4, 3))); }

    @Test void sliceWithStep() { check(v -> ShapeFunctions.slice(v[0], -1, 1, 6, 2), randn(6, 3, 7)); }

    @Test void selectNegativeIndex() { check(v -> ShapeFunctions.select(v[0], 1, -1), strided(randn(7, 2, 3, 4))); }

    @Test void expand() { check(v -> ShapeFunctions.expand(v[0], 2, 3, 4), randn(8, 3, 1)); }

    @Test void unsqueeze() { check(v -> ShapeFunctions.unsqueeze(v[0], -1), strided(randn(9, 3, 4))); }

    @Test void squeeze() { check(v -> ShapeFunctions.squeeze(v[0], 1), randn(10, 3, 1, 4)); }

    @Test void flatten() { check(v -> ShapeFunctions.flatten(v[0], 1, 2), strided(randn(11, 2, 3, 4))); }

    @Test void contiguous() { check(v -> ShapeFunctions.contiguous(v[0]), strided(randn(12, 3, 4))); }

    @Test void viewsChained() {
        check(v -> v[0].transpose(0, 1).narrow(0, 1, 3).reshape(3, 2, 2).unsqueeze(0).expand(2, 3, 2, 2).select(3, 1)
                .permute(2, 0, 1).flatten(0, 1).unsqueeze(1).squeeze(1).view(12).mul(v[0].sum()), strided(randn(13, 4, 4)));
    }

    @Test void castRoundTripsTheGradient() {
        Variable x = Variable.param(randn(14, 2, 3));
        Variable y = ShapeFunctions.cast(x, DType.FLOAT32);
        assertEquals(DType.FLOAT32, y.dtype());
        y.mul(2).sum().backward();
        assertEquals(DType.FLOAT64, x.grad().dtype());
        assertArrayEquals(new double[]{2, 2, 2, 2, 2, 2}, x.grad().toDoubleArray());
        assertFalse(ShapeFunctions.cast(x, DType.INT64).requiresGrad());
        check(v -> ShapeFunctions.cast(v[0], DType.FLOAT64), randn(15, 3));
    }

    @Test void castThroughTheHalfTypesCarriesTheGradientRoundedToThem() {
        for (DType half : new DType[]{DType.BFLOAT16, DType.FLOAT16}) {
            Variable x = Variable.param(randn(31, 2, 3).to(DType.FLOAT32));
            Tensor w = randn(32, 2, 3).to(DType.FLOAT32);
            Variable h = ShapeFunctions.cast(x, half).mul(3);                  // computed on the widened values, stored as half
            assertEquals(half, h.dtype());
            ShapeFunctions.cast(h, DType.FLOAT32).mul(Variable.constant(w)).sum().backward();
            assertEquals(DType.FLOAT32, x.grad().dtype());
            // dX = cast(3 · cast(w, half), float32), each product rounded once to the half type
            float[] wv = w.toFloatArray(), g = x.grad().toFloatArray();
            for (int i = 0; i < wv.length; i++) {
                double wh = half == DType.BFLOAT16 ? HalfFloats.bf16ToFloat(HalfFloats.bf16FromFloat(wv[i])) : HalfFloats.f16ToFloat(HalfFloats.f16FromFloat(wv[i]));
                float want = half == DType.BFLOAT16 ? HalfFloats.bf16ToFloat(HalfFloats.bf16FromDouble(3 * wh)) : HalfFloats.f16ToFloat(HalfFloats.f16FromDouble(3 * wh));
                assertEquals(want, g[i], half + " element " + i);
            }
        }
    }

    @Test void cat() {
        check(v -> ShapeFunctions.cat(List.of(v[0], v[1], v[2]), 1), randn(16, 2, 1, 3), strided(randn(17, 2, 3, 3)), randn(18, 2, 2, 3));
    }

    @Test void catTheSameInputTwiceAccumulates() { check(v -> ShapeFunctions.cat(List.of(v[0], v[0]), 0), randn(19, 2, 3)); }

    @Test void stack() { check(v -> ShapeFunctions.stack(List.of(v[0], v[1]), -1), randn(20, 2, 3), strided(randn(21, 2, 3))); }

    @Test void splitAndRecombine() {
        check(v -> {
            List<Variable> p = ShapeFunctions.split(v[0], 2, 1);
            assertEquals(3, p.size());
            return ShapeFunctions.cat(List.of(p.get(2).mul(3), p.get(0), p.get(1).square()), 1);
        }, strided(randn(22, 3, 5)));
    }

    @Test void chunk() {
        check(v -> {
            List<Variable> p = ShapeFunctions.chunk(v[0], 3, 0);
            return p.get(0).mul(p.get(1)).add(p.get(2).sum());
        }, randn(23, 6, 2));
    }

    @Test void pad() { check(v -> ShapeFunctions.pad(v[0], new int[]{1, 2, 0, 1}, 0.5), strided(randn(24, 2, 3, 4))); }

    @Test void padOnlyTheLastDim() {
        Variable x = Variable.param(randn(25, 2, 3));
        Variable y = ShapeFunctions.pad(x, new int[]{2, 1}, -1);
        assertArrayEquals(new int[]{2, 6}, y.shape());
        check(v -> ShapeFunctions.pad(v[0], new int[]{2, 1}, -1), randn(26, 2, 3));
        assertEquals(-1, y.data().select(1, 0).max().item());
        assertEquals(-1, y.data().select(1, 5).min().item());
        Tensor expect = x.data();
        assertArrayEquals(expect.toDoubleArray(), y.data().narrow(1, 2, 3).toDoubleArray());
    }
}
