package org.jdiffusion.diffusion.sampling;

import org.jdiffusion.tensor.Tensor;

/** One sampler step: the less noisy sample and the x_0 predicted on the way. */
public record StepResult(Tensor prev, Tensor predX0) {}
