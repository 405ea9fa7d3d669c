package org.jdiffusion.diffusion.loss;

import org.jdiffusion.tensor.Tensor;

/** A training batch after the forward process: x_0, timesteps t (int64 [B]), the noise ε and x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε. */
public record NoisyBatch(Tensor x0, Tensor t, Tensor eps, Tensor xt) {}
