package org.jdiffusion.diffusion.likelihood;

import java.util.Arrays;

/**
 * The variational bound of a batch or data set in bits per dimension (Ho et al. 2020, eq. 5):
 * {@code prior} = L_T = KL(q(x_{T−1} | x_0) ‖ N(0, I)); {@code perTimestep[t]} for t ≥ 1 is
 * L_t = KL(q(x_{t−1} | x_t, x_0) ‖ p_θ(x_{t−1} | x_t)) and {@code perTimestep[0]} = L_0 is the
 * decoder's −log p_θ(x_0 | x_0'), each averaged over the samples (NaN where a strided estimate did
 * not evaluate it); {@code weights[t]} is how many timesteps each evaluated term stands for, so
 * total = prior + Σ_t weights[t]·perTimestep[t]. {@code count} is the number of samples averaged.
 */
public record BoundTerms(double prior, double[] perTimestep, double[] weights, double total, int count) {
    public BoundTerms {
        perTimestep = perTimestep.clone();
        weights = weights.clone();
    }

    @Override public double[] perTimestep() { return perTimestep.clone(); }

    @Override public double[] weights() { return weights.clone(); }

    /** L_0, the decoder term. */
    public double decoder() { return perTimestep[0]; }

    /** The sample-weighted average of two results over the same timesteps (for a data set in batches). */
    public BoundTerms merge(BoundTerms o) {
        if (!Arrays.equals(weights, o.weights))
            throw new IllegalArgumentException("BoundTerms.merge: the two results evaluated different timesteps");
        int n = count + o.count;
        double a = (double) count / n, b = (double) o.count / n;
        double[] per = new double[perTimestep.length];
        for (int t = 0; t < per.length; t++) per[t] = Double.isNaN(perTimestep[t]) ? Double.NaN : a * perTimestep[t] + b * o.perTimestep[t];
        return new BoundTerms(a * prior + b * o.prior, per, weights, a * total + b * o.total, n);
    }
}
