/**
 * Noise schedules, the forward process, ELBO-derived losses, likelihood and samplers (DDPM, DDIM,
 * DPM-Solver++), with classifier-free and classifier guidance.
 */
package org.jdiffusion.diffusion;
