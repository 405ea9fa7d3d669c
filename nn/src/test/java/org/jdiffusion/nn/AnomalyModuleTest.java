package org.jdiffusion.nn;

import org.jdiffusion.autograd.Anomaly;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Inside a module: the anomaly names the parameter by its dotted name and the module forwards that ran the op. */
class AnomalyModuleTest {
    @Test void namesTheParameterAndTheModules() {
        Generator g = new Generator(1);
        Sequential net = new Sequential(new Linear(3, 4, g), Activation.silu(), new Linear(4, 2, g));
        Variable w = net.namedParameters().get("2.weight");
        float[] bad = new float[8];
        bad[5] = Float.NaN;
        w.setData(Tensor.of(bad, 2, 4));
        try (var s = Anomaly.detect(net.namedParameters())) {
            var e = assertThrows(Anomaly.AnomalyException.class, () -> net.forward(Variable.constant(Tensor.ones(5, 3))));
            String m = e.getMessage();
            assertTrue(m.contains("anomaly: linear produced NaN") && m.contains("[5, 2] float32"), m);
            assertTrue(m.contains("[2, 4] float32 (2.weight)") && m.contains("an input already held it"), m);
            assertTrue(m.contains("called from Linear.forward(Linear.java:") && m.contains("<- Sequential.forward(Sequential.java:"), m);
        }
    }
}
