package org.jdiffusion.diffusion;

import org.jdiffusion.tensor.Tensor;

/**
 * A network's raw output for noisy inputs: x_t [B, …], integer timesteps t (int64 [B], values in
 * 0 … T−1 of the training schedule) and class labels y (int64 [B], or null when unconditional).
 * The output is ε, x_0 or v as the model's {@link Prediction} says, of x_t's shape — or with twice
 * its channels (dim 1) when the model also learns its variance (Nichol &amp; Dhariwal 2021): the
 * second half then holds the interpolation v ∈ [−1, 1] between log β_t and log β̃_t.
 */
@FunctionalInterface
public interface Denoiser {
    Tensor predict(Tensor xt, Tensor t, Tensor y);
}
