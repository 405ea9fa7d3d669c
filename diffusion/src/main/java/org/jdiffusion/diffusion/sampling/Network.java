package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.tensor.Tensor;

/**
 * The network as a sampler calls it, with the labels and any guidance already bound: its raw output
 * at a batch x [B, …] and a time input [B] — int64 training timesteps for a diffusion model, float
 * t ∈ [0, 1] for a flow model. {@link SamplingLoop} builds it from a {@code Denoiser}.
 */
@FunctionalInterface
public interface Network {
    Tensor at(Tensor x, Tensor time);
}
