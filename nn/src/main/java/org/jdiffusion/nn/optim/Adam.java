package org.jdiffusion.nn.optim;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma &amp; Ba, 2015, Algorithm 1) with PyTorch's arrangement of the bias corrections, and
 * its weight-decay variants: L2 (added to the gradient) for {@link #adam}, decoupled for
 * {@link #adamW} (Loshchilov &amp; Hutter, 2019: p ← p·(1 − lr·λ) before the Adam step).
 * <pre>
 *   m ← β₁·m + (1−β₁)·g          v ← β₂·v + (1−β₂)·g²
 *   p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
 * </pre>
 * t is the optimizer's step count, shared by all parameters (each is expected to get a gradient
 * every step, as in a U-Net).
 */
public final class Adam extends Optimizer {
    private final double beta1, beta2, eps, weightDecay;
    private final boolean decoupled;

    public Adam(Map<String, Variable> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        super(params, lr);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps >= 0) || !(weightDecay >= 0))
            throw new IllegalArgumentException("Adam: expected betas in [0, 1), eps >= 0 and weight decay >= 0, got betas (" + beta1 + ", "
                    + beta2 + "), eps " + eps + ", weight decay " + weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    /** Adam with β = (0.9, 0.999), ε = 1e-8, no weight decay. */
    public static Adam adam(Map<String, Variable> params, double lr) { return new Adam(params, lr, 0.9, 0.999, 1e-8, 0, false); }

    /** AdamW with β = (0.9, 0.999), ε = 1e-8 and decoupled weight decay λ. */
    public static Adam adamW(Map<String, Variable> params, double lr, double weightDecay) {
        return new Adam(params, lr, 0.9, 0.999, 1e-8, weightDecay, true);
    }

    public boolean decoupled() { return decoupled; }

    @Override protected void update(String name, Tensor p, Tensor g) {
        if (weightDecay != 0) {
            if (decoupled) p.mulInPlace(1 - lr() * weightDecay);
            else g = g.add(p.mul(weightDecay));
        }
        Tensor m = slot(name, "m", p), v = slot(name, "v", p);
        m.mulInPlace(beta1).addInPlace(g.mul(1 - beta1));
        v.mulInPlace(beta2).addInPlace(g.square().mul(1 - beta2));
        long t = steps();
        double bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
        Tensor denom = v.sqrt().div(Math.sqrt(bc2)).add(eps);
        p.subInPlace(m.div(denom).mul(lr() / bc1));
    }

    @Override protected List<String> slots() { return List.of("m", "v"); }

    @Override public String kind() { return decoupled ? "AdamW" : "Adam"; }
}
