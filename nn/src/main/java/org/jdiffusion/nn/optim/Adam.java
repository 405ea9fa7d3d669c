package org.jdiffusion.nn.optim;

import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.AdamHyper;
import org.jdiffusion.tensor.Optim;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
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
 * every step, as in a U-Net). Each step is one {@link Optim#adamStep} call over every parameter
 * with a gradient (the fused kernel of the parameters' device); parameters and state must be
 * contiguous, gradients are made so.
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

    /** One fused step of every parameter with a gradient ({@link Optim#adamStep}); m and v start as zeros. */
    @Override protected void update(List<String> names, List<Tensor> params, List<Tensor> grads) {
        List<Tensor> g = new ArrayList<>(), m = new ArrayList<>(), v = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Tensor p = params.get(i);
            g.add(grads.get(i).contiguous());
            m.add(slot(names.get(i), "m", p));
            v.add(slot(names.get(i), "v", p));
        }
        Optim.adamStep(params, g, m, v, new AdamHyper(lr(), beta1, beta2, eps, weightDecay, decoupled, steps()));
    }

    @Override protected List<String> slots() { return List.of("m", "v"); }

    @Override public String kind() { return decoupled ? "AdamW" : "Adam"; }
}
