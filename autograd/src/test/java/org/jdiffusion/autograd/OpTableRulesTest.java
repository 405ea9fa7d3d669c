package org.jdiffusion.autograd;

import org.jdiffusion.kernels.TestTensors;
import org.jdiffusion.tensor.BinaryOp;
import org.jdiffusion.tensor.OpTable;
import org.jdiffusion.tensor.Tensor;
import org.jdiffusion.tensor.UnaryOp;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The backward rules the op table names: every {@code Class.method} of OpTable resolves, and every
 * pointwise op's declared rule exists, computes its op's forward and passes gradcheck on the op's
 * declared domain. A new pointwise op is tested here from its declaration alone.
 */
class OpTableRulesTest {
    private static boolean hasPublicStatic(Class<?> c, String name) {
        return Arrays.stream(c.getMethods()).anyMatch(m -> m.getName().equals(name) && Modifier.isStatic(m.getModifiers()));
    }

    @Test void everyNamedRuleExists() {
        for (OpTable.Entry e : OpTable.ENTRIES)
            for (String n : e.backward().names()) {
                String[] cm = n.split("\\.");
                Class<?> c;
                try {
                    c = Class.forName("org.jdiffusion.autograd." + cm[0]);
                } catch (ClassNotFoundException ex) {
                    fail("OpTable names the rule " + n + " for " + e.methods() + ", but autograd has no class " + cm[0]);
                    return;
                }
                if (cm.length > 1) assertTrue(hasPublicStatic(c, cm[1]), "OpTable names " + n + " for " + e.methods() + ": no such public method");
            }
        for (BinaryOp op : BinaryOp.values())
            if (op.backwardRule() != null)
                assertTrue(hasPublicStatic(PointwiseFunctions.class, op.backwardRule()), "BinaryOp." + op + " declares the rule PointwiseFunctions."
                        + op.backwardRule() + ", which does not exist");
    }

    static Method rule(UnaryOp op) {
        try {
            return PointwiseFunctions.class.getMethod(op.backwardRule(), Variable.class);
        } catch (NoSuchMethodException e) {
            throw new AssertionError("UnaryOp." + op + " declares the rule PointwiseFunctions." + op.backwardRule() + "(Variable), which does not exist");
        }
    }

    static Variable call(Method m, Variable x) {
        try {
            return (Variable) m.invoke(null, x);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new AssertionError(e.getCause());
        }
    }

    static Tensor input(UnaryOp op, int seed, int... shape) {
        return op.domain() == UnaryOp.Domain.POSITIVE ? Inputs.uniform(seed, 0.3, 3, shape) : Inputs.randn(seed, shape).mul(2);
    }

    @TestFactory Stream<DynamicTest> everyDifferentiablePointwiseOpPassesGradcheck() {
        return Arrays.stream(UnaryOp.values()).filter(op -> op.backwardRule() != null).map(op -> DynamicTest.dynamicTest(op.opName(), () -> {
            Method m = rule(op);
            Tensor x = input(op, 700 + op.ordinal(), 3, 4);
            TestTensors.assertClose(x.apply(op), call(m, Variable.constant(x)).data());      // the rule's forward is the op
            Gradcheck.check(op.opName(), v -> call(m, v[0]), Inputs.strided(x));
        }));
    }

    @Test void opsWithoutAGradientDeclareNone() {
        for (UnaryOp op : UnaryOp.values())
            if (op.backwardRule() == null)
                assertTrue(!hasPublicStatic(PointwiseFunctions.class, op.name().toLowerCase()),
                        "PointwiseFunctions has a rule for " + op + ", which declares none: name it in UnaryOp");
    }
}
