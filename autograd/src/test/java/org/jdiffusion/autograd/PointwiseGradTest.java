package org.jdiffusion.autograd;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.jdiffusion.autograd.Gradcheck.check;
import static org.jdiffusion.autograd.Inputs.randn;
import static org.jdiffusion.autograd.Inputs.strided;
import static org.jdiffusion.autograd.Inputs.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PointwiseGradTest {
    // ---- binary, with broadcasting and non-contiguous operands --------------------------------

    @Test void addBroadcasts() { check(v -> PointwiseFunctions.add(v[0], v[1]), randn(1, 3, 1, 4), randn(2, 2, 4)); }

    @Test void addTransposed() { check(v -> PointwiseFunctions.add(v[0], v[1]), strided(randn(3, 3, 5)), randn(4, 3, 5)); }

    @Test void subBroadcasts() { check(v -> PointwiseFunctions.sub(v[0], v[1]), randn(5, 2, 4), strided(randn(6, 3, 1, 4))); }

    @Test void mulBroadcasts() { check(v -> PointwiseFunctions.mul(v[0], v[1]), randn(7, 3, 1, 4), strided(randn(8, 2, 4))); }

    @Test void mulScalarTensor() { check(v -> PointwiseFunctions.mul(v[0], v[1]), randn(9, 2, 3), randn(10)); }

    @Test void divBroadcasts() { check(v -> PointwiseFunctions.div(v[0], v[1]), randn(11, 3, 1, 4), uniform(12, 0.5, 2, 2, 4)); }

    @Test void maximumBroadcasts() { check(v -> PointwiseFunctions.maximum(v[0], v[1]), randn(13, 3, 1, 4), randn(14, 2, 4)); }

    @Test void minimumBroadcasts() { check(v -> PointwiseFunctions.minimum(v[0], v[1]), strided(randn(15, 2, 4)), randn(16, 3, 1, 4)); }

    @Test void maximumSplitsTiesEvenly() {
        Variable a = Variable.param(Tensor.of(new double[]{1, 2, 3}, 3)), b = Variable.param(Tensor.of(new double[]{0, 2, 4}, 3));
        PointwiseFunctions.maximum(a, b).sum().backward();
        assertArrayEquals(new double[]{1, 0.5, 0}, a.grad().toDoubleArray());
        assertArrayEquals(new double[]{0, 0.5, 1}, b.grad().toDoubleArray());
    }

    // ---- with a scalar ------------------------------------------------------------------------

    @Test void pow() { check(v -> PointwiseFunctions.pow(v[0], 2.5), uniform(17, 0.5, 2, 3, 4)); }

    @Test void powIntegerOfNegatives() { check(v -> PointwiseFunctions.pow(v[0], 3), strided(randn(18, 3, 4))); }

    @Test void addScalar() { check(v -> PointwiseFunctions.addScalar(v[0], 1.5), randn(19, 2, 3)); }

    @Test void mulScalar() { check(v -> PointwiseFunctions.mulScalar(v[0], -0.7), strided(randn(20, 2, 3))); }

    // ---- unary --------------------------------------------------------------------------------

    @Test void neg() { check(v -> PointwiseFunctions.neg(v[0]), randn(21, 2, 3)); }

    @Test void abs() { check(v -> PointwiseFunctions.abs(v[0]), strided(randn(22, 3, 4))); }

    @Test void exp() { check(v -> PointwiseFunctions.exp(v[0]), randn(23, 3, 4)); }

    @Test void log() { check(v -> PointwiseFunctions.log(v[0]), strided(uniform(24, 0.3, 3, 3, 4))); }

    @Test void sqrt() { check(v -> PointwiseFunctions.sqrt(v[0]), uniform(25, 0.3, 3, 3, 4)); }

    @Test void rsqrt() { check(v -> PointwiseFunctions.rsqrt(v[0]), uniform(26, 0.3, 3, 3, 4)); }

    @Test void square() { check(v -> PointwiseFunctions.square(v[0]), strided(randn(27, 3, 4))); }

    @Test void tanh() { check(v -> PointwiseFunctions.tanh(v[0]), randn(28, 3, 4)); }

    @Test void sigmoid() { check(v -> PointwiseFunctions.sigmoid(v[0]), strided(randn(29, 3, 4))); }

    @Test void relu() { check(v -> PointwiseFunctions.relu(v[0]), randn(30, 3, 4)); }

    @Test void silu() { check(v -> PointwiseFunctions.silu(v[0]), strided(randn(31, 3, 4))); }

    @Test void gelu() { check(v -> PointwiseFunctions.gelu(v[0]), randn(32, 3, 4).mul(2)); }

    @Test void geluAtZeroAndInTheTails() {
        check(v -> PointwiseFunctions.gelu(v[0]), Tensor.of(new double[]{0, -7, 7, -0.25, 1e-3, -30}, 6));
    }

    @Test void geluTanh() { check(v -> PointwiseFunctions.geluTanh(v[0]), strided(randn(33, 3, 4).mul(2))); }

    @Test void sin() { check(v -> PointwiseFunctions.sin(v[0]), randn(34, 3, 4)); }

    @Test void cos() { check(v -> PointwiseFunctions.cos(v[0]), strided(randn(35, 3, 4))); }

    @Test void clamp() {
        Tensor x = Tensor.of(new double[]{-2, -0.9, -0.3, 0.2, 0.7, 1.3, 2.5, -1.7}, 2, 4);
        check(v -> PointwiseFunctions.clamp(v[0], -1, 1), x);
    }

    @Test void clampRejectsAnEmptyRange() {
        var e = assertThrows(IllegalArgumentException.class, () -> PointwiseFunctions.clamp(Variable.param(randn(36, 2)), 1, -1));
        assertTrue(e.getMessage().contains("clamp") && e.getMessage().contains("lo 1.0"), e.getMessage());
    }

    @Test void whereBroadcasts() {
        Tensor cond = randn(37, 3, 1, 4).gt(0);
        check(v -> PointwiseFunctions.where(cond, v[0], v[1]), randn(38, 2, 4), strided(randn(39, 3, 2, 4)));
    }

    // ---- dropout ------------------------------------------------------------------------------

    @Test void dropoutGradientIsTheMaskScaled() {
        check(v -> PointwiseFunctions.dropout(v[0], 0.3, new Generator(40), true), randn(41, 4, 5));
    }

    @Test void dropoutKeepsAboutOneMinusPAndPreservesTheMean() {
        Variable x = Variable.param(Tensor.ones(DType.FLOAT64, org.jdiffusion.tensor.Device.CPU, 100, 100));
        Variable y = PointwiseFunctions.dropout(x, 0.25, new Generator(42), true);
        double kept = y.data().gt(0).sum().item() / 10000;
        assertEquals(0.75, kept, 0.03);
        assertEquals(1.0, y.data().mean().item(), 0.05);
        assertEquals(1 / 0.75, y.data().max().item(), 1e-12);
    }

    @Test void dropoutIsTheIdentityWhenNotTrainingOrPZero() {
        Variable x = Variable.param(randn(43, 3));
        assertSame(x, PointwiseFunctions.dropout(x, 0.5, new Generator(1), false));
        assertSame(x, PointwiseFunctions.dropout(x, 0, new Generator(1), true));
        var e = assertThrows(IllegalArgumentException.class, () -> PointwiseFunctions.dropout(x, 1.5, new Generator(1), true));
        assertTrue(e.getMessage().contains("dropout") && e.getMessage().contains("1.5"), e.getMessage());
    }

    // ---- unbroadcast and the fluent forms -----------------------------------------------------

    @Test void unbroadcastSumsLeadingAndSizeOneDims() {
        Tensor g = Tensor.ones(DType.FLOAT64, org.jdiffusion.tensor.Device.CPU, 2, 3, 4);
        Tensor r = PointwiseFunctions.unbroadcast(g, new int[]{3, 1});
        assertArrayEquals(new int[]{3, 1}, r.shape());
        assertArrayEquals(new double[]{8, 8, 8}, r.toDoubleArray());
        var e = assertThrows(IllegalArgumentException.class, () -> PointwiseFunctions.unbroadcast(g, new int[]{2, 4}));
        assertTrue(e.getMessage().contains("[2, 3, 4]") && e.getMessage().contains("[2, 4]"), e.getMessage());
    }

    @Test void fluentFormsCompose() {
        check(v -> v[0].mul(v[1]).add(1.5).sub(v[1].square()).div(2).neg().exp().tanh().sigmoid().mul(3).sub(0.5)
                .relu().silu().gelu().add(2).sqrt().log().pow(2.0).div(v[1].add(3)), randn(44, 2, 3), uniform(45, 0.5, 1.5, 3));
    }
}
