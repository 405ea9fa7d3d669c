package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a {@link Solver} with a {@link Denoiser}: for each grid point i of the sampler, the sampler
 * advances, evaluating the model at (x, its time input, y) as often as its method needs. {@link #sample} draws x_T from the per-sample noise
 * streams first, so a sample depends only on (seed, its index), never on the batch it is drawn in.
 */
public final class SamplingLoop {
    private SamplingLoop() {}

    /**
     * The run from a given x_T; {@code trace} keeps every x and x̂_0 (for pictures). Each step runs in
     * its own {@link MemoryScope}: the network's activations go back to their pool when the step
     * ends, the new x (and a multistep sampler's history, which it keeps itself with
     * {@link MemoryScope#keepCurrent}) move to the run's scope, and the x before it is released as
     * soon as the step is done, so a long run holds two samples' memory, not one per step. What the
     * trajectory returns escapes to the caller.
     */
    public static Trajectory run(Solver sampler, Denoiser model, Tensor xT, Tensor y, Noise noise, boolean trace) {
        long[] ts = sampler.timesteps();
        List<Tensor> xs = new ArrayList<>(), x0s = new ArrayList<>();
        if (trace) xs.add(xT);
        Network net = (xt, time) -> model.predict(xt, time, y);
        try (MemoryScope run = MemoryScope.open("sampling run")) {
            Tensor x = xT;
            for (int i = 0; i < ts.length; i++) {
                Tensor before = x;
                try (MemoryScope step = MemoryScope.open("sampling step")) {
                    StepResult r = sampler.advance(net, i, x, noise);
                    x = step.keep(r.prev());
                    if (trace) {
                        xs.add(x);
                        x0s.add(step.keep(r.predX0()));
                    }
                }
                if (!trace && before != xT && before.storage() != x.storage()) run.release(before);
            }
            run.keep(x);
            for (Tensor t : xs) run.keep(t);
            for (Tensor t : x0s) run.keep(t);
            return new Trajectory(x, ts, xs, x0s);
        }
    }

    /**
     * Samples {@code shape[0]} samples of shape {@code shape[1..]}: sample b uses the noise stream of
     * index {@code firstIndex + b} under {@code seed}, for x_T and for every step.
     */
    public static Trajectory sample(Solver sampler, Denoiser model, int[] shape, Tensor y, long seed, long firstIndex,
                                    DType dtype, Device device, boolean trace) {
        if (shape.length < 1 || shape[0] < 1)
            throw new IllegalArgumentException("sample: shape " + java.util.Arrays.toString(shape) + " must be [B, …] with B >= 1");
        if (y != null && (y.dim() != 1 || y.size(0) != shape[0] || y.dtype() != DType.INT64))
            throw new IllegalArgumentException("sample: labels " + y.describe() + " do not fit a batch of " + shape[0] + " (expected int64 [B])");
        Noise noise = Noise.perSample(seed, firstIndex);
        try (MemoryScope draw = MemoryScope.open("sampling x_T")) {   // x_T and its draw go back to the pool after the run
            Tensor xT = noise.normalLike(Tensor.zeros(dtype, device, shape));
            Trajectory tr = run(sampler, model, xT, y, noise, trace);
            draw.keep(tr.sample());
            if (trace) {
                for (Tensor t : tr.xs()) draw.keep(t);
                for (Tensor t : tr.predX0s()) draw.keep(t);
            }
            return tr;
        }
    }

    public static Tensor sample(Solver sampler, Denoiser model, int[] shape, Tensor y, long seed, DType dtype, Device device) {
        return sample(sampler, model, shape, y, seed, 0, dtype, device, false).sample();
    }
}
