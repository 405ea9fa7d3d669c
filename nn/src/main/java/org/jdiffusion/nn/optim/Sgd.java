package org.jdiffusion.nn.optim;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay
 * (PyTorch's formulation, dampening 0):
 * g ← g + λ·p;  b ← μ·b + g;  p ← p − lr·(nesterov ? g + μ·b : b).
 */
public final class Sgd extends Optimizer {
    private final double momentum, weightDecay;
    private final boolean nesterov;

    public Sgd(Map<String, Variable> params, double lr, double momentum, double weightDecay, boolean nesterov) {
        super(params, lr);
        if (!(momentum >= 0 && momentum < 1) || !(weightDecay >= 0))
            throw new IllegalArgumentException("Sgd: momentum must be in [0, 1) and weight decay >= 0, got " + momentum + ", " + weightDecay);
        if (nesterov && momentum == 0) throw new IllegalArgumentException("Sgd: Nesterov momentum needs momentum > 0");
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    public Sgd(Map<String, Variable> params, double lr, double momentum) { this(params, lr, momentum, 0, false); }

    @Override protected void update(List<String> names, List<Tensor> params, List<Tensor> grads) {
        for (int i = 0; i < names.size(); i++) update(names.get(i), params.get(i), grads.get(i));
    }

    private void update(String name, Tensor p, Tensor g) {
        if (weightDecay != 0) g = g.add(p.mul(weightDecay));
        Tensor d = g;
        if (momentum != 0) {
            Tensor b = slot(name, "momentum", p);
            b.mulInPlace(momentum).addInPlace(g);
            d = nesterov ? g.add(b.mul(momentum)) : b;
        }
        p.subInPlace(d.mul(lr()));
    }

    @Override protected List<String> slots() { return List.of("momentum"); }
}
