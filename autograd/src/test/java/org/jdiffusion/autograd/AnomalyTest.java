package org.jdiffusion.autograd;

import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Anomaly detection: the first op whose output or gradient is not finite, named with its shapes; nothing outside a scope. */
class AnomalyTest {
    private static void has(String s, String... parts) {
        for (String p : parts) assertTrue(s.contains(p), "expected '" + p + "' in:\n" + s);
    }

    @Test void outsideAScopeNothingIsChecked() {
        Variable x = Variable.param(Tensor.of(new float[]{-1, 2}, 2));
        assertTrue(Double.isNaN(x.log().sum().item()));
        assertFalse(Anomaly.enabled());
    }

    @Test void theFirstOpThatMakesANaNIsNamedWithItsShapes() {
        Variable x = Variable.param(Tensor.of(new float[]{1, 2, -3, 4, 5, 6}, 2, 3));
        try (var s = Anomaly.detect(Map.of("x", x))) {
            Variable y = x.mul(2.0);                      // finite: passes
            Anomaly.AnomalyException e = assertThrows(Anomaly.AnomalyException.class, () -> y.log());
            assertEquals("log", e.op());
            has(e.getMessage(), "anomaly: log produced NaN (first at element 2 of 6) in its output [2, 3] float32",
                    "inputs [2, 3] float32 (from mulScalar)");
            assertFalse(e.getMessage().contains("already held"), e.getMessage());
        }
        assertFalse(Anomaly.enabled());
    }

    @Test void aNonFiniteInputIsReportedAsComingFromALeafWithItsName() {
        Variable w = Variable.param(Tensor.of(new float[]{1, Float.POSITIVE_INFINITY}, 2));
        try (var s = Anomaly.detect(Map.of("layer.weight", w))) {
            var e = assertThrows(Anomaly.AnomalyException.class, () -> w.mul(Variable.constant(Tensor.of(new float[]{1, 1}, 2))));
            has(e.getMessage(), "produced +Inf (first at element 1 of 2)", "[2] float32 (layer.weight)", "an input already held it");
        }
    }

    @Test void aBackwardRuleThatMakesAnInfIsNamed() {
        Variable x = Variable.param(Tensor.of(new float[]{4, 0}, 2));
        try (var s = Anomaly.detect()) {
            Variable y = x.sqrt().sum();                  // forward finite: sqrt(0) = 0
            var e = assertThrows(Anomaly.AnomalyException.class, y::backward);
            assertEquals("sqrt", e.op());
            has(e.getMessage(), "the backward of sqrt produced +Inf in the gradient of its input 0 [2] float32 (first at element 1)");
        }
    }

    @Test void scopesNestAndCloseOnce() {
        Anomaly.Scope a = Anomaly.detect();
        try (var b = Anomaly.detect()) {
            assertTrue(Anomaly.enabled());
        }
        assertTrue(Anomaly.enabled());
        a.close();
        a.close();
        assertFalse(Anomaly.enabled());
    }
}
