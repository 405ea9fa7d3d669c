package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

/**
 * Where a sampler's Gaussian noise comes from. {@link #perSample} gives sample i of a run its own
 * Philox stream, keyed by (seed, i), so a sample is the same whatever batch it is drawn in;
 * {@link #batch} draws the whole batch from one generator.
 */
public interface Noise {
    /** N(0, I) of x's shape, dtype and device. */
    Tensor normalLike(Tensor x);

    /**
     * Sample b of a batch takes its noise from {@code new Generator(seed).fork(firstIndex + b)}: its
     * k-th draw of n values is exactly {@code Rand.normal} of n values from that generator.
     */
    static Noise perSample(long seed, long firstIndex) { return new PerSampleNoise(seed, firstIndex); }

    /** The whole batch from one generator, in row-major order. */
    static Noise batch(Generator g) {
        return x -> Rand.normal(g, 0, 1, x.dtype(), x.device(), x.shape());
    }
}
