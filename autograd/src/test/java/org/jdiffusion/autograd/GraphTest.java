package org.jdiffusion.autograd;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.jdiffusion.autograd.Inputs.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The accumulation policy, graph freeing, no-grad scopes and the errors of backward. */
class GraphTest {
    private static void assertValues(double[] expected, Tensor actual) {
        double[] a = actual.toDoubleArray();
        assertEquals(expected.length, a.length);
        for (int i = 0; i < a.length; i++) assertEquals(expected[i], a[i], 1e-12, "element " + i);
    }

    @Test void leafGradientsAccumulateAcrossBackwardCalls() {
        Tensor x0 = randn(1, 2, 3);
        Variable x = Variable.param(x0);
        x.square().sum().backward();
        x.mul(3).sum().backward();
        assertValues(x0.mul(2).add(3).toDoubleArray(), x.grad());
        x.zeroGrad();
        assertNull(x.grad());
    }

    @Test void aVariableUsedTwiceSumsBothPaths() {
        Variable x = Variable.param(Tensor.of(new double[]{1, 2}, 2));
        x.mul(x).add(x).sum().backward();
        assertValues(new double[]{3, 5}, x.grad());
    }

    @Test void intermediatesRetainNoGradient() {
        Variable x = Variable.param(randn(2, 3));
        Variable h = x.tanh();
        Variable y = h.mul(2).sum();
        y.backward();
        assertNull(h.grad());
        assertNull(y.grad());
        assertTrue(x.grad() != null);
        // each node dropped its rule, and with it the tensors the rule saved
        assertNull(h.node.rule);
        assertNull(y.node.rule);
    }

    @Test void leafGradientsAreFreshTensors() {
        Variable a = Variable.param(randn(3, 2)), b = Variable.param(randn(4, 2));
        a.add(b).sum().backward();
        assertNotSame(a.grad(), b.grad());
        a.grad().mulInPlace(5);
        assertValues(new double[]{1, 1}, b.grad());
    }

    @Test void noGradScopeRecordsNothing() {
        Variable x = Variable.param(randn(5, 3));
        Variable y;
        try (var scope = Grad.noGrad()) {
            y = x.exp().sum();
            assertFalse(Grad.isEnabled());
            try (var inner = Grad.enableGrad()) {
                assertTrue(x.exp().requiresGrad());
            }
            assertFalse(Grad.isEnabled());
        }
        assertTrue(Grad.isEnabled());
        assertFalse(y.requiresGrad());
        assertNull(y.op());
        assertTrue(y.isLeaf());
        var e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }

    @Test void detachCutsTheGraph() {
        Variable x = Variable.param(Tensor.of(new double[]{1, 2}, 2));
        Variable y = x.square();
        Variable z = y.detach().mul(x).sum();   // d/dx (const·x) = const = x²
        z.backward();
        assertValues(new double[]{1, 4}, x.grad());
        assertFalse(y.detach().requiresGrad());
        assertTrue(y.detach().isLeaf());
    }

    @Test void secondBackwardThroughAFreedGraphNamesTheOpAndRetainGraph() {
        Variable x = Variable.param(randn(6, 3));
        Variable y = x.exp().sum();
        y.backward();
        var e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("'sum'") && e.getMessage().contains("retainGraph"), e.getMessage());
    }

    @Test void retainGraphAllowsTwoBackwardsAndGradientsDouble() {
        Tensor x0 = randn(7, 3);
        Variable x = Variable.param(x0);
        Variable y = x.exp().sum();
        Tensor one = Tensor.ones(DType.FLOAT64, Device.CPU);
        y.backward(one, true);
        y.backward(one, false);
        assertValues(x0.exp().mul(2).toDoubleArray(), x.grad());
    }

    @Test void backwardOnANonScalarWithoutAGradientNamesTheShape() {
        Variable y = Variable.param(randn(8, 2, 3)).tanh();
        var e = assertThrows(IllegalArgumentException.class, y::backward);
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("one-element"), e.getMessage());
    }

    @Test void backwardWithAGradientOfTheWrongShapeNamesBoth() {
        Variable y = Variable.param(randn(9, 2, 3)).tanh();
        var e = assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.ones(DType.FLOAT64, Device.CPU, 3, 2)));
        assertTrue(e.getMessage().contains("[3, 2]") && e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test void backwardWithAnExplicitGradientOfANonScalar() {
        Variable x = Variable.param(randn(10, 2, 2));
        Tensor up = Tensor.of(new double[]{1, 2, 3, 4}, 2, 2);
        x.mul(3).backward(up);
        assertValues(new double[]{3, 6, 9, 12}, x.grad());
        assertArrayEquals(new int[]{2, 2}, x.grad().shape());
    }

    @Test void constantsReceiveNoGradient() {
        Variable c = Variable.constant(randn(11, 3)), x = Variable.param(randn(12, 3));
        c.mul(x).sum().backward();
        assertNull(c.grad());
        assertValues(c.data().toDoubleArray(), x.grad());
    }

    @Test void theLeafHookSeesEachLeafOnceWithItsFinalGradientLastLayerFirst() {
        Variable w1 = Variable.param(org.jdiffusion.tensor.Tensor.of(new double[]{1, 2, 3, 4}, 2, 2));
        Variable w2 = Variable.param(org.jdiffusion.tensor.Tensor.of(new double[]{0.5, -1}, 2, 1));
        Variable x = Variable.constant(org.jdiffusion.tensor.Tensor.of(new double[]{1, -1, 2, 0.5}, 2, 2));
        // w1 is used twice (two paths into the loss): the hook must come after both have added into it
        Variable h = x.matmul(w1);
        Variable loss = h.tanh().matmul(w2).sum().add(h.square().sum());
        java.util.List<Variable> seen = new java.util.ArrayList<>();
        java.util.List<double[]> gradsSeen = new java.util.ArrayList<>();
        loss.backward(leaf -> {
            seen.add(leaf);
            gradsSeen.add(leaf.grad().toDoubleArray());
        });
        assertEquals(java.util.List.of(w2, w1), seen);
        assertValues(gradsSeen.get(1), w1.grad());   // nothing was added to w1 after the hook saw it
        assertValues(gradsSeen.get(0), w2.grad());
    }
}
