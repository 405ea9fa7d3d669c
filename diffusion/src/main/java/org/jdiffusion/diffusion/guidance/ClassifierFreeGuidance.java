package org.jdiffusion.diffusion.guidance;

import org.jdiffusion.diffusion.Denoiser;
import org.jdiffusion.tensor.DType;
import org.jdiffusion.tensor.Join;
import org.jdiffusion.tensor.Tensor;

import java.util.List;

/**
 * Classifier-free guidance (Ho &amp; Salimans 2022) as a model wrapper: the conditional and the
 * unconditional branch are evaluated in one doubled batch [x; x] with labels [y; ∅], and combined as
 * <pre>   out = out_u + w·(out_c − out_u)</pre>
 * so w = 0 is unconditional, w = 1 conditional and w &gt; 1 guided. The paper writes
 * ε̃ = (1 + w')·ε_c − w'·ε_u: its w' is our w − 1. The combination is applied to the raw output
 * whatever it predicts (ε, x_0 and v are affine in one another at fixed x_t and t, with weights
 * summing to 1, so guiding any of them is guiding ε); with a learned variance only the mean channels
 * are guided and the conditional variance is kept.
 */
public final class ClassifierFreeGuidance implements Denoiser {
    private final Denoiser model;
    private final double w;
    private final long nullClass;
    private final boolean learnedVariance;

    public ClassifierFreeGuidance(Denoiser model, double w, long nullClass, boolean learnedVariance) {
        if (!Double.isFinite(w)) throw new IllegalArgumentException("ClassifierFreeGuidance: guidance scale must be finite, got " + w);
        this.model = model;
        this.w = w;
        this.nullClass = nullClass;
        this.learnedVariance = learnedVariance;
    }

    public ClassifierFreeGuidance(Denoiser model, double w, long nullClass) { this(model, w, nullClass, false); }

    public double scale() { return w; }

    @Override
    public Tensor predict(Tensor xt, Tensor t, Tensor y) {
        if (y == null || (y.dtype() != DType.INT64 || y.dim() != 1 || y.size(0) != xt.size(0)))
            throw new IllegalArgumentException("ClassifierFreeGuidance: needs labels int64 [" + xt.size(0) + "] for x_t " + xt.describe()
                    + ", got " + (y == null ? "null" : y.describe()));
        int b = xt.size(0);
        Tensor nulls = Tensor.full(nullClass, DType.INT64, y.device(), b);
        if (w == 1) return model.predict(xt, t, y);
        if (w == 0) return model.predict(xt, t, nulls);
        // one evaluation of the doubled batch: rows 0..B−1 conditional, B..2B−1 unconditional
        Tensor out = model.predict(Join.cat(List.of(xt, xt), 0), Join.cat(List.of(t, t), 0), Join.cat(List.of(y, nulls), 0));
        Tensor cond = out.narrow(0, 0, b), uncond = out.narrow(0, b, b);
        if (!learnedVariance) return uncond.add(cond.sub(uncond).mul(w));
        int c = out.size(1) / 2;
        Tensor mean = uncond.narrow(1, 0, c).add(cond.narrow(1, 0, c).sub(uncond.narrow(1, 0, c)).mul(w));
        return Join.cat(List.of(mean, cond.narrow(1, c, c)), 1);
    }
}
