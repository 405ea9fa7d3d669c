package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.tensor.Tensor;

import java.util.List;

/**
 * The result of a sampling (or inversion) run: the final sample and, in trace mode, every state
 * visited — {@code xs.get(0)} is the start, {@code xs.get(i+1)} the state after step i — and the x̂_0
 * predicted at each step, beside the timesteps evaluated. Without trace both lists are empty.
 */
public record Trajectory(Tensor sample, long[] timesteps, List<Tensor> xs, List<Tensor> predX0s) {
    public Trajectory {
        timesteps = timesteps.clone();
        xs = List.copyOf(xs);
        predX0s = List.copyOf(predX0s);
    }

    @Override public long[] timesteps() { return timesteps.clone(); }
}
