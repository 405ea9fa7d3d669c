package org.jdiffusion.nn;

import org.jdiffusion.autograd.NormFunctions;
import org.jdiffusion.autograd.Variable;
import org.jdiffusion.tensor.Tensor;

/**
 * Group normalisation (Wu &amp; He, 2018) of x [N, C, *]: per sample and group of C/G channels,
 * (x − μ)/√(σ² + eps) with biased σ², then per-channel γ·x + β (weight ones, bias zeros).
 */
public final class GroupNorm extends Layer {
    private final int groups, channels;
    private final double eps;

    public GroupNorm(int groups, int channels, double eps, boolean affine) {
        if (groups < 1 || channels < 1 || channels % groups != 0)
            throw new IllegalArgumentException("GroupNorm: " + channels + " channels cannot form " + groups
                    + " groups (expected channels divisible by groups)");
        this.groups = groups;
        this.channels = channels;
        this.eps = eps;
        if (affine) {
            registerParameter("weight", Tensor.ones(channels));
            registerParameter("bias", Tensor.zeros(channels));
        }
    }

    public GroupNorm(int groups, int channels) { this(groups, channels, 1e-5, true); }

    public int groups() { return groups; }

    public int channels() { return channels; }

    @Override public Variable forward(Variable x) {
        if (x.dim() < 2 || x.size(1) != channels)
            throw new IllegalArgumentException("GroupNorm(" + groups + ", " + channels + "): expected input [N, " + channels + ", *], got "
                    + x.data().describe());
        return NormFunctions.groupNorm(x, paramOrNull("weight"), paramOrNull("bias"), groups, eps);
    }
}
