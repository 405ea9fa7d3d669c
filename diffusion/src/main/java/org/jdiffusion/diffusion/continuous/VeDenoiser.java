package org.jdiffusion.diffusion.continuous;

import org.jdiffusion.tensor.Tensor;

/**
 * The network f_θ(x_t, t) of the variance-exploding process: x_t [B, …] and continuous times t
 * [B] (x_t's dtype, in (0, 1]) → an estimate of E[x_{t−Δt} | x_t], x_t's shape (Nakkiran et al.
 * 2024, §2).
 */
@FunctionalInterface
public interface VeDenoiser {
    Tensor predict(Tensor xt, Tensor t);
}
