package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.tensor.Tensor;

/**
 * A shift added to the ancestral sampler's mean μ_θ(x_t, t) before noise is added, given x_t, the
 * training timesteps t (int64 [B]) and the step's variance Σ (broadcasting against x_t) — the hook
 * classifier guidance (Dhariwal &amp; Nichol 2021, Algorithm 1) plugs into.
 */
@FunctionalInterface
public interface MeanShift {
    Tensor shift(Tensor x, Tensor t, Tensor variance);
}
