package org.jdiffusion.tensor;

/**
 * The hyper-parameters of one Adam step (Kingma &amp; Ba, 2015, Algorithm 1) in PyTorch's
 * arrangement of the bias corrections, with L2 weight decay (Adam) or decoupled weight decay
 * (AdamW, Loshchilov &amp; Hutter, 2019). Per element, at step t (1 for the first):
 * <pre>
 *   g' = g + λ·p,  p' = p             (L2: decoupled false)
 *   g' = g,        p' = p·(1 − lr·λ)  (decoupled)
 *   m ← β₁·m + (1−β₁)·g'              v ← β₂·v + (1−β₂)·g'²
 *   p ← p' − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
 * </pre>
 * The bias corrections are computed once per step here, in float64, so every backend uses the same
 * {@link #stepSize()} and {@link #bias2Sqrt()}. The constructor rejects values outside the ranges
 * below with a message naming the value.
 *
 * @param lr          learning rate, finite and ≥ 0
 * @param beta1       first-moment decay β₁ in [0, 1)
 * @param beta2       second-moment decay β₂ in [0, 1)
 * @param eps         ε, finite and ≥ 0
 * @param weightDecay λ, finite and ≥ 0 (0: none)
 * @param decoupled   true for AdamW's decoupled decay, false for L2 added to the gradient
 * @param step        t ≥ 1, the step being taken
 */
public record AdamHyper(double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled, long step) {
    public AdamHyper {
        if (!(lr >= 0) || Double.isInfinite(lr)) throw bad("learning rate must be finite and >= 0, got " + lr);
        if (!(beta1 >= 0 && beta1 < 1)) throw bad("beta1 must be in [0, 1), got " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw bad("beta2 must be in [0, 1), got " + beta2);
        if (!(eps >= 0) || Double.isInfinite(eps)) throw bad("eps must be finite and >= 0, got " + eps);
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) throw bad("weight decay must be finite and >= 0, got " + weightDecay);
        if (step < 1) throw bad("step t counts from 1, got " + step);
    }

    private static IllegalArgumentException bad(String what) { return new IllegalArgumentException("adamStep: " + what); }

    /** lr / (1 − β₁ᵗ): the step size that multiplies m. */
    public double stepSize() { return lr / (1 - Math.pow(beta1, step)); }

    /** √(1 − β₂ᵗ): divides √v. */
    public double bias2Sqrt() { return Math.sqrt(1 - Math.pow(beta2, step)); }

    /** The factor p' = p·(1 − lr·λ) of decoupled decay (1 for L2 or no decay). */
    public double paramDecay() { return decoupled ? 1 - lr * weightDecay : 1; }

    /** λ of the L2 term g' = g + λ·p (0 for decoupled decay). */
    public double l2() { return decoupled ? 0 : weightDecay; }
}
