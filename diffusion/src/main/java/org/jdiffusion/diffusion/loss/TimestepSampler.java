package org.jdiffusion.diffusion.loss;

import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Tensor;

/**
 * How training timesteps are drawn: {@link #sample} gives t (int64 [B]) and the weights 1/(T·p_t)
 * [B] that keep Σ_t L_t unbiased; {@link #update} feeds back each sample's loss term.
 */
public sealed interface TimestepSampler permits UniformTimesteps, ImportanceTimesteps {
    record Draw(Tensor t, Tensor weights) {}

    Draw sample(int batch, Generator g, Device device);

    /** The per-sample L_t of the last batch (ignored by uniform sampling). */
    void update(Tensor t, Tensor losses);
}
