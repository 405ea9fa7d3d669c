package org.jdiffusion.diffusion.loss;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

/** t uniform on 0 … T−1, weights 1. */
public record UniformTimesteps(int timesteps) implements TimestepSampler {
    public UniformTimesteps {
        if (timesteps < 1) throw new IllegalArgumentException("UniformTimesteps: T must be >= 1, got " + timesteps);
    }

    @Override
    public Draw sample(int batch, Generator g, Device device) {
        return new Draw(Rand.randint(g, 0, timesteps, device, batch), Tensor.ones(DType.FLOAT32, device, batch));
    }

    @Override public void update(Tensor t, Tensor losses) {}
}
