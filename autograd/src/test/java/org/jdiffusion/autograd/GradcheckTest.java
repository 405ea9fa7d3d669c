package org.jdiffusion.autograd;

import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.jdiffusion.autograd.Inputs.randn;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker itself: it must catch a wrong rule and say where. */
class GradcheckTest {
    /** x³ with the rule of x² (2x instead of 3x²). */
    private static Variable wrongCube(Variable x) {
        Tensor xs = x.data();
        return Variable.result(xs.pow(3), "wrongCube", dOut -> new Tensor[]{dOut.mul(xs).mul(2)}, x);
    }

    @Test void catchesAWrongRuleNamingTheOpInputAndElement() {
        var e = assertThrows(AssertionError.class,
                () -> Gradcheck.check(v -> PointwiseFunctions.add(v[0], wrongCube(v[1])), randn(1, 2, 3), randn(2, 2, 3)));
        String m = e.getMessage();
        assertTrue(m.contains("gradcheck(add)") && m.contains("input 1") && m.contains("[2, 3]") && m.contains("worst element [")
                && m.contains("analytic") && m.contains("numeric"), m);
    }

    @Test void catchesAGradientThatIsMissing() {
        var e = assertThrows(AssertionError.class, () -> Gradcheck.check("dropsB",
                v -> Variable.result(v[0].data().mul(v[1].data()), "dropsB", dOut -> new Tensor[]{dOut.mul(v[1].data()), null}, v[0], v[1]),
                randn(3, 4), randn(4, 4)));
        assertTrue(e.getMessage().contains("gradcheck(dropsB)") && e.getMessage().contains("input 1"), e.getMessage());
    }

    @Test void skipsInt64AndConstantInputs() {
        Tensor ids = Tensor.ofLongs(new long[]{1, 0, 1}, 3);
        // input 1 gets a deliberately wrong rule but is marked constant, so it is not checked
        Gradcheck.constant(1).check(v -> PointwiseFunctions.add(v[0], wrongCube(v[1])).add(v[2].sum()), randn(5, 3), randn(6, 3),
                randn(7, 2), ids);
    }

    @Test void checksFloat32InputsInFloat64() {
        Gradcheck.check(v -> PointwiseFunctions.tanh(v[0]), randn(8, 3, 2).to(org.jdiffusion.tensor.DType.FLOAT32));
    }
}
