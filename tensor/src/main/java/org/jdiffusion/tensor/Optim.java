package org.jdiffusion.tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Frontends of the fused optimizer ops: one Adam step and one EMA update over many tensors per
 * call. Each checks, before anything is written: one entry per position in every list; per
 * position one shape and one floating dtype; one device for the whole call; every tensor
 * contiguous (the kernels walk each as one flat run from its offset); no tensor written by the op
 * sharing memory with another tensor of the call; hyper-parameters in range ({@link AdamHyper}, the
 * EMA's decay in [0, 1]). The composite definitions (the oracles) are in {@link AdamHyper} and
 * {@link Backend#emaUpdate}.
 */
public final class Optim {
    private Optim() {}

    /** Updates params, m and v in place by one Adam step from grads (see {@link AdamHyper}). */
    public static void adamStep(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, AdamHyper h) {
        String op = "adamStep";
        if (h == null) throw new IllegalArgumentException(op + ": hyper-parameters are null");
        Operand[] ops = {new Operand("params", params, true), new Operand("grads", grads, false),
                new Operand("m", m, true), new Operand("v", v, true)};
        if (check(op, ops)) params.getFirst().backend().adamStep(params, grads, m, v, h);
    }

    /** shadow ← decay·shadow + (1 − decay)·params, elementwise, for every position. */
    public static void emaUpdate(List<Tensor> shadow, List<Tensor> params, double decay) {
        String op = "emaUpdate";
        if (!(decay >= 0 && decay <= 1)) throw new IllegalArgumentException(op + ": decay must be in [0, 1], got " + decay);
        Operand[] ops = {new Operand("shadow", shadow, true), new Operand("params", params, false)};
        if (check(op, ops)) shadow.getFirst().backend().emaUpdate(shadow, params, decay);
    }

    /** One list argument: its name, its tensors, and whether the op writes them. */
    private record Operand(String name, List<Tensor> tensors, boolean written) {
        Tensor at(int i) { return tensors.get(i); }

        String label(int i) { return name + "[" + i + "] " + at(i).describe(); }
    }

    /** Checks every rule of the class comment; false when there is nothing to do (empty lists). */
    private static boolean check(String op, Operand[] ops) {
        for (Operand o : ops) if (o.tensors == null) throw new IllegalArgumentException(op + ": the list " + o.name + " is null");
        int n = ops[0].tensors.size();
        for (Operand o : ops)
            if (o.tensors.size() != n) {
                StringBuilder b = new StringBuilder(op + ": lists of different lengths:");
                for (Operand x : ops) b.append(' ').append(x.tensors.size()).append(' ').append(x.name).append(',');
                b.setLength(b.length() - 1);
                throw new IllegalArgumentException(b + " (expected one entry per parameter in each)");
            }
        for (Operand o : ops)
            for (int i = 0; i < n; i++)
                if (o.at(i) == null) throw new IllegalArgumentException(op + ": " + o.name + "[" + i + "] is null");
        if (n == 0) return false;
        Tensor first = ops[0].at(0);
        for (int i = 0; i < n; i++) {
            Tensor lead = ops[0].at(i);
            if (!lead.dtype().isFloating())
                throw new IllegalArgumentException(op + ": needs floating dtypes (float32 or float64), got " + ops[0].label(i));
            for (Operand o : ops) {
                Tensor t = o.at(i);
                if (!t.device().equals(first.device()))
                    throw new IllegalArgumentException(op + ": " + o.label(i) + " is not on " + first.device() + " like " + ops[0].label(0)
                            + " (expected every tensor on one device)");
                if (t.dtype() != lead.dtype() || !java.util.Arrays.equals(t.shape(), lead.shape()))
                    throw new IllegalArgumentException(op + ": " + o.label(i) + " does not match " + ops[0].label(i)
                            + " (expected one shape and dtype at each position)");
                if (!t.isContiguous())
                    throw new IllegalArgumentException(op + ": " + o.label(i) + " with strides " + Shapes.str(t.strides())
                            + " is not contiguous (expected every tensor contiguous; state tensors must be, inputs can be made so with contiguous())");
            }
        }
        checkOverlaps(op, ops, n);
        return true;
    }

    /** No written tensor may share an element of storage with any other tensor of the call. */
    private static void checkOverlaps(String op, Operand[] ops, int n) {
        record Use(Operand o, int i) {
            int lo() { return o.at(i).offset(); }

            int hi() { return lo() + o.at(i).numel(); }
        }
        Map<Storage, List<Use>> byStorage = new IdentityHashMap<>();
        for (Operand o : ops)
            for (int i = 0; i < n; i++)
                if (o.at(i).numel() > 0) byStorage.computeIfAbsent(o.at(i).storage(), k -> new ArrayList<>()).add(new Use(o, i));
        for (List<Use> uses : byStorage.values())
            for (int a = 0; a < uses.size(); a++)
                for (int b = a + 1; b < uses.size(); b++) {
                    Use x = uses.get(a), y = uses.get(b);
                    if ((x.o.written || y.o.written) && x.lo() < y.hi() && y.lo() < x.hi())
                        throw new IllegalArgumentException(op + ": " + x.o.label(x.i) + " and " + y.o.label(y.i)
                                + " share memory (elements [" + Math.max(x.lo(), y.lo()) + ", " + Math.min(x.hi(), y.hi())
                                + ") of one storage); a tensor the op writes needs memory of its own");
                }
    }
}
