package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Philox;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Noise keyed by sample index: sample b of the batch owns {@code Generator(seed).fork(firstIndex + b)}
 * and every draw takes the next counters of that stream. Values follow {@link Philox#value} exactly
 * (the same numbers {@code Rand.normal} gives on any device), computed on the host and moved to x's
 * device.
 */
final class PerSampleNoise implements Noise {
    private final long seed, firstIndex;
    private final List<Generator> streams = new ArrayList<>();

    PerSampleNoise(long seed, long firstIndex) {
        if (firstIndex < 0) throw new IllegalArgumentException("Noise.perSample: first sample index must be >= 0, got " + firstIndex);
        this.seed = seed;
        this.firstIndex = firstIndex;
    }

    @Override
    public Tensor normalLike(Tensor x) {
        if (x.dim() < 1 || x.size(0) < 1)
            throw new IllegalArgumentException("Noise.perSample: needs a batch [B, …] with B >= 1, got " + x.describe());
        if (!x.dtype().isFloating()) throw new IllegalArgumentException("Noise.perSample: needs a floating dtype, got " + x.describe());
        int batch = x.size(0), per = x.numel() / batch;
        while (streams.size() < batch) streams.add(new Generator(seed).fork(firstIndex + streams.size()));
        HostStorage h = HostStorage.allocate(x.dtype(), x.numel());
        int[] scratch = new int[4];
        for (int b = 0; b < batch; b++) {
            Generator g = streams.get(b);
            long offset = g.advance(per);
            for (int i = 0; i < per; i++)
                h.set(b * per + i, Philox.value(Philox.Distribution.NORMAL, x.dtype(), g.seed(), offset + i, 0, 1, scratch));
        }
        return Tensor.fromHost(h, x.shape(), x.device());
    }
}
