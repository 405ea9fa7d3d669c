package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.tensor.Tensor;

/**
 * A sampler that calls the network itself, as often as its method needs per step (Heun and
 * DPM-Solver++(2S) twice, most samplers once). {@code timesteps()} are the time inputs of its grid,
 * descending, one per step — training timesteps for a diffusion model, round(1000·t) for a flow
 * model — and {@code advance(net, i, x, noise)} takes the sample from grid point i to the next (after
 * the last: the data). A multistep sampler remembers earlier steps; {@code advance(…, 0, …)} starts a
 * new run. {@link #evaluations()} is the number of network evaluations (NFE) of a whole run.
 */
public interface Solver {
    long[] timesteps();

    StepResult advance(Network net, int i, Tensor x, Noise noise);

    /** Network evaluations of a whole run: one per step unless the sampler says otherwise. */
    default int evaluations() { return timesteps().length; }
}
