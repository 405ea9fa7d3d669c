package org.jdiffusion.diffusion.guidance;

import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

/**
 * Training support for classifier-free guidance (Ho &amp; Salimans 2022, Algorithm 1): each label is
 * replaced by the null class with probability p_uncond (0.1 by default), so one network learns both
 * the conditional and the unconditional model.
 */
public final class ConditionDropout {
    public static final double DEFAULT_P_UNCOND = 0.1;

    private final double pUncond;
    private final long nullClass;

    public ConditionDropout(double pUncond, long nullClass) {
        if (!(pUncond >= 0 && pUncond <= 1)) throw new IllegalArgumentException("ConditionDropout: p_uncond must be in [0, 1], got " + pUncond);
        this.pUncond = pUncond;
        this.nullClass = nullClass;
    }

    public ConditionDropout(long nullClass) { this(DEFAULT_P_UNCOND, nullClass); }

    public double pUncond() { return pUncond; }

    /** y with each entry set to the null class with probability p_uncond (one Bernoulli draw per label from g). */
    public Tensor apply(Tensor y, Generator g) {
        if (y.dtype() != DType.INT64 || y.dim() != 1)
            throw new IllegalArgumentException("ConditionDropout: labels must be int64 [B], got " + y.describe());
        Tensor drop = Rand.bernoulli(g, pUncond, DType.FLOAT32, y.device(), y.size(0));
        return Tensor.where(drop, Tensor.full(nullClass, DType.INT64, y.device(), y.size(0)), y);
    }
}
