package org.jdiffusion.nn;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The module tree: names, counts, modes, dtype moves, binding and strict loading. */
class ModuleTest {
    /** [Linear-like params] inside lists inside a sequential, to exercise dotted names. */
    static final class Block extends Module {
        Block(int n) {
            registerParameter("weight", Tensor.ones(n, 2));
            registerBuffer("steps", Tensor.zeros(DType.INT64, Device.CPU, 1));
            registerModule("norm", new GroupNorm(1, n));
            registerModule("drop", new Dropout(0.5, null));
        }
    }

    static final class Net extends Module {
        Net() {
            ModuleList<Module> down = registerModule("down", new ModuleList<>());
            down.add(new Block(3)).add(new Block(4));
            registerModule("emb", new Embedding(5, 2, new Generator(1)));
        }
    }

    @Test void namesAreDottedInRegistrationOrder() {
        Net n = new Net();
        assertEquals(List.of("down.0.weight", "down.0.norm.weight", "down.0.norm.bias", "down.1.weight", "down.1.norm.weight",
                "down.1.norm.bias", "emb.weight"), List.copyOf(n.namedParameters().keySet()));
        assertEquals(List.of("down.0.steps", "down.1.steps"), List.copyOf(n.namedBuffers().keySet()));
        assertEquals(6 + 3 + 3 + 8 + 4 + 4 + 10, n.parameterCount());
        assertEquals(9, n.stateDict().size());
        assertTrue(n.namedModules().containsKey("down.1.norm"));
        assertEquals(7, n.parameters().size());
    }

    @Test void trainAndEvalReachEveryDescendant() {
        Net n = new Net();
        assertTrue(n.namedModules().values().stream().allMatch(Module::isTraining));
        n.eval();
        assertTrue(n.namedModules().values().stream().noneMatch(Module::isTraining));
        n.train();
        assertTrue(n.namedModules().get("down.1.drop").isTraining());
    }

    @Test void castingReplacesLeavesAndKeepsIntegerBuffers() {
        Net n = new Net();
        Variable before = n.namedParameters().get("emb.weight");
        float[] vals = before.data().toFloatArray();
        n.to(DType.FLOAT64);
        Variable after = n.namedParameters().get("emb.weight");
        assertNotSame(before, after);
        assertEquals(DType.FLOAT64, after.dtype());
        assertTrue(after.requiresGrad());
        double[] d = after.data().toDoubleArray();
        for (int i = 0; i < vals.length; i++) assertEquals(vals[i], d[i]);
        assertEquals(DType.INT64, n.namedBuffers().get("down.0.steps").dtype());
        assertEquals(n, n.to(Device.CPU));
    }

    @Test void zeroGradClearsEveryParameter() {
        Net n = new Net();
        n.parameters().forEach(p -> p.setGrad(Tensor.ones(p.shape())));
        n.zeroGrad();
        n.parameters().forEach(p -> assertNull(p.grad()));
    }

    @Test void stateDictRoundTripAndCasting() {
        Net a = new Net(), b = new Net();
        a.namedParameters().get("down.1.weight").data().fillInPlace(3);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        a.stateDict().forEach((k, t) -> sd.put(k, t.dtype().isFloating() ? t.to(DType.FLOAT64) : t));
        b.loadStateDict(sd);
        assertArrayEquals(a.namedParameters().get("down.1.weight").data().toFloatArray(),
                b.namedParameters().get("down.1.weight").data().toFloatArray());
        assertEquals(DType.FLOAT32, b.namedParameters().get("down.1.weight").dtype(), "loading casts to the parameter's dtype");
        // the loaded values are copies, not the source tensors
        sd.get("down.1.weight").fillInPlace(0);
        assertEquals(3, b.namedParameters().get("down.1.weight").data().max().item());
    }

    @Test void strictLoadListsEveryProblemAndChangesNothing() {
        Net n = new Net();
        Map<String, Tensor> sd = new LinkedHashMap<>(n.stateDict());
        sd.remove("down.0.norm.bias");
        sd.remove("emb.weight");
        sd.put("up.0.weight", Tensor.zeros(2));
        sd.put("down.1.weight", Tensor.zeros(2, 4));
        sd.put("down.0.steps", Tensor.zeros(1));
        sd.put("down.0.weight", Tensor.full(9, DType.FLOAT32, Device.CPU, 3, 2));
        var e = assertThrows(IllegalArgumentException.class, () -> n.loadStateDict(sd));
        String m = e.getMessage();
        assertTrue(m.contains("2 missing, 1 unexpected, 2 mismatched"), m);
        assertTrue(m.contains("missing: down.0.norm.bias, emb.weight"), m);
        assertTrue(m.contains("unexpected: up.0.weight"), m);
        assertTrue(m.contains("down.1.weight: expected shape [4, 2], got [2, 4]"), m);
        assertTrue(m.contains("down.0.steps: expected an integer dtype like int64, got float32"), m);
        assertEquals(1, n.namedParameters().get("down.0.weight").data().max().item(), "nothing was loaded");
    }

    @Test void nonStrictLoadTakesWhatMatches() {
        Net n = new Net();
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("down.0.weight", Tensor.full(9, DType.FLOAT32, Device.CPU, 3, 2));
        sd.put("extra", Tensor.zeros(1));
        n.loadStateDict(sd, false);
        assertEquals(9, n.namedParameters().get("down.0.weight").data().min().item());
        sd.put("down.1.weight", Tensor.zeros(1));
        assertThrows(IllegalArgumentException.class, () -> n.loadStateDict(sd, false), "shape mismatches fail even when not strict");
    }

    @Test void setParameterChecksShapeAndName() {
        Net n = new Net();
        Variable v = Variable.param(Tensor.zeros(4, 2));
        n.setParameter("down.1.weight", v);
        assertEquals(v, n.namedParameters().get("down.1.weight"));
        var e = assertThrows(IllegalArgumentException.class, () -> n.setParameter("down.1.weight", Variable.param(Tensor.zeros(2))));
        assertTrue(e.getMessage().contains("[4, 2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> n.setParameter("down.7.weight", v));
        assertThrows(IllegalArgumentException.class, () -> n.setParameter("down.1.nope", v));
    }

    @Test void registrationRejectsBadOrDuplicateNames() {
        class Bad extends Module {
            Bad(String a, String b) {
                registerParameter(a, Tensor.zeros(1));
                registerParameter(b, Tensor.zeros(1));
            }
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Bad("w", "w")).getMessage().contains("already registered"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Bad("w", "a.b")).getMessage().contains("'.'"));
        assertFalse(new Net().toString().isEmpty());
    }
}
