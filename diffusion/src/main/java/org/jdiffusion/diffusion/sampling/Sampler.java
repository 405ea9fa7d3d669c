package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.tensor.Tensor;

/**
 * A reverse-process sampler: the timesteps it evaluates the model at (descending, in the training
 * schedule's 0 … T−1), and one step from the sample at {@code timesteps()[i]} to the next timestep
 * of the list (after the last: the data). Its x_T is N(0, I). A multistep sampler may keep the
 * previous steps' predictions; its {@code step(…, 0, …)} starts afresh.
 */
public interface Sampler {
    long[] timesteps();

    StepResult step(Tensor modelOutput, int i, Tensor x, Noise noise);
}
