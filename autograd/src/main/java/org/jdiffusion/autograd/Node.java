package org.jdiffusion.autograd;

import org.jdiffusion.tensor.Tensor;

/** One recorded op: its inputs and the rule mapping the output's gradient to theirs. */
final class Node {
    /** dOut ↦ (dInput_0, dInput_1, ...); an entry may be null where that input needs no gradient. */
    @FunctionalInterface
    interface Rule { Tensor[] apply(Tensor dOut); }

    final String op;
    final Variable[] inputs;
    Rule rule;
    /** The module forwards that recorded this node, kept only inside an {@link Anomaly} scope. */
    final String callers;

    Node(String op, Variable[] inputs, Rule rule) {
        this.op = op;
        this.inputs = inputs;
        this.rule = rule;
        this.callers = Anomaly.enabled() ? Anomaly.recordCallers() : null;
    }
}
