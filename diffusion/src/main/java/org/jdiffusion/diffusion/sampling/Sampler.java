package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.diffusion.Coefficients;
import org.jdiffusion.tensor.Tensor;

/**
 * A reverse-process sampler with one network evaluation per step: the timesteps it evaluates the
 * model at (descending, in the training schedule's 0 … T−1), and one step from the sample at
 * {@code timesteps()[i]} to the next timestep of the list (after the last: the data), given the
 * network's output there. Its x_T is N(0, I). A multistep sampler may keep the previous steps'
 * predictions; its {@code step(…, 0, …)} starts afresh. As a {@link Solver} it evaluates the network
 * at {@code timesteps()[i]} and steps.
 */
public interface Sampler extends Solver {
    @Override long[] timesteps();

    StepResult step(Tensor modelOutput, int i, Tensor x, Noise noise);

    @Override
    default StepResult advance(Network net, int i, Tensor x, Noise noise) {
        long[] ts = timesteps();
        Timesteps.checkIndex(getClass().getSimpleName() + ".advance", i, ts);
        return step(net.at(x, Coefficients.fill(ts[i], x.size(0), x.device())), i, x, noise);
    }
}
