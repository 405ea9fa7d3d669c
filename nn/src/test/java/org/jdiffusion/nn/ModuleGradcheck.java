package org.jdiffusion.nn;

import org.jdiffusion.autograd.Gradcheck;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Gradcheck of a whole module: the module is cast to float64 and every parameter is bound to the
 * checker's variables, so the finite differences cover the inputs and every weight.
 */
public final class ModuleGradcheck {
    private ModuleGradcheck() {}

    /** Checks d(out)/d(inputs) and d(out)/d(every parameter) of {@code forward(module, inputs)}. */
    public static void check(String name, Module m, BiFunction<Module, Variable[], Variable> forward, Tensor... inputs) {
        m.to(DType.FLOAT64);
        List<String> names = new ArrayList<>(m.namedParameters().keySet());
        Tensor[] all = new Tensor[inputs.length + names.size()];
        for (int i = 0; i < inputs.length; i++) all[i] = inputs[i].dtype().isFloating() ? inputs[i].to(DType.FLOAT64) : inputs[i];
        for (int i = 0; i < names.size(); i++) all[inputs.length + i] = m.namedParameters().get(names.get(i)).data().copy();
        Gradcheck.check(name, vs -> {
            for (int i = 0; i < names.size(); i++) m.setParameter(names.get(i), vs[inputs.length + i]);
            return forward.apply(m, java.util.Arrays.copyOf(vs, inputs.length));
        }, all);
    }

    public static void check(String name, Layer l, Tensor x) {
        check(name, l, (m, vs) -> ((Layer) m).forward(vs[0]), x);
    }
}
