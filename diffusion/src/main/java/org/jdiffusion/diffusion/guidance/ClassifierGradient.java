package org.jdiffusion.diffusion.guidance;

import org.jdiffusion.tensor.Tensor;

/** ∇_{x_t} log p_φ(y | x_t, t) of a classifier on noisy inputs: x_t [B, …], t int64 [B], y int64 [B] → x_t's shape. */
@FunctionalInterface
public interface ClassifierGradient {
    Tensor gradLogProb(Tensor xt, Tensor t, Tensor y);
}
