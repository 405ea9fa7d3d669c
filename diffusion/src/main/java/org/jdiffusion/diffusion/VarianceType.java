package org.jdiffusion.diffusion;

/**
 * The reverse-process variance Σ_θ(x_t, t) = σ_t²·I: β̃_t ({@code FIXED_SMALL}), β_t
 * ({@code FIXED_LARGE}; Ho et al. 2020, §3.2: both give similar samples), or learned by interpolating
 * log-variances, Σ_θ = exp(v·log β_t + (1−v)·log β̃_t) (Nichol &amp; Dhariwal 2021, eq. 15), with
 * v = (output + 1)/2 from the network's extra channels ({@code LEARNED_RANGE}).
 */
public enum VarianceType { FIXED_SMALL, FIXED_LARGE, LEARNED_RANGE }
