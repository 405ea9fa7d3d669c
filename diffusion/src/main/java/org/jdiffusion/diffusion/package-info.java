/**
 * Noise schedules, the forward and reverse processes, parameterisations (ε, x_0, v), the model
 * interface {@link org.jdiffusion.diffusion.Denoiser} and checkpoint keys
 * ({@link org.jdiffusion.diffusion.DiffusionSpec}). Samplers, guidance, losses, likelihood, the
 * continuous-time variance-exploding process and the exact Gaussian-mixture model live in the
 * subpackages; the module README states the conventions.
 */
package org.jdiffusion.diffusion;
