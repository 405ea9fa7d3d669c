package org.jdiffusion.autograd;

import org.jdiffusion.tensor.Norm;
import org.jdiffusion.tensor.Tensor;

/**
 * Differentiable fused normalisations, softmax and attention: the backend's fused forward saves
 * its statistics (mean and rstd, or the row log-sum-exp) and the rule hands them to the fused
 * backward kernel, so no intermediate of the composite definition is ever materialised.
 */
public final class NormFunctions {
    private NormFunctions() {}

    /** Group norm of x [N, C, *] in {@code groups} groups; γ, β [C] or both null. */
    public static Variable groupNorm(Variable x, Variable gamma, Variable beta, int groups, double eps) {
        Tensor xs = x.data(), g = gamma == null ? null : gamma.data();
        Norm.Result r = Norm.groupNorm(xs, g, beta == null ? null : beta.data(), groups, eps);
        Tensor mean = r.mean(), rstd = r.rstd();
        return Variable.result(r.out(), "groupNorm", dOut -> {
            Norm.Grads d = Norm.groupNormBackward(dOut, xs, g, mean, rstd, groups);
            return new Tensor[]{d.dX(), d.dGamma(), d.dBeta()};
        }, x, gamma, beta);
    }

    /** Layer norm over the last {@code normalizedDims} dims; γ, β of those dims' shape or both null. */
    public static Variable layerNorm(Variable x, Variable gamma, Variable beta, int normalizedDims, double eps) {
        Tensor xs = x.data(), g = gamma == null ? null : gamma.data();
        Norm.Result r = Norm.layerNorm(xs, g, beta == null ? null : beta.data(), normalizedDims, eps);
        Tensor mean = r.mean(), rstd = r.rstd();
        return Variable.result(r.out(), "layerNorm", dOut -> {
            Norm.Grads d = Norm.layerNormBackward(dOut, xs, g, mean, rstd, normalizedDims);
            return new Tensor[]{d.dX(), d.dGamma(), d.dBeta()};
        }, x, gamma, beta);
    }

    /** y = softmax(x) along dim: dX = y ⊙ (dY − Σ dY⊙y), from the saved y. */
    public static Variable softmax(Variable x, int dim) {
        Tensor y = Norm.softmax(x.data(), dim);
        return Variable.result(y, "softmax", dOut -> new Tensor[]{Norm.softmaxBackward(dOut, y, dim, false)}, x);
    }

    /** y = log_softmax(x) along dim: dX = dY − exp(y)·Σ dY, from the saved y. */
    public static Variable logSoftmax(Variable x, int dim) {
        Tensor y = Norm.logSoftmax(x.data(), dim);
        return Variable.result(y, "logSoftmax", dOut -> new Tensor[]{Norm.softmaxBackward(dOut, y, dim, true)}, x);
    }

    /**
     * softmax(q·kᵀ·scale + mask)·v with q [B, H, Tq, D], k [B, H, Tk, D], v [B, H, Tk, Dv] and an
     * additive mask broadcastable to [B, H, Tq, Tk] (−∞ blocks; carries no gradient) or null.
     */
    public static Variable attention(Variable q, Variable k, Variable v, Tensor mask, double scale) {
        Tensor qs = q.data(), ks = k.data(), vs = v.data();
        Norm.AttentionResult r = Norm.attention(qs, ks, vs, mask, scale);
        Tensor out = r.out(), lse = r.lse();
        return Variable.result(out, "attention", dOut -> {
            Norm.AttentionGrads d = Norm.attentionBackward(dOut, qs, ks, vs, mask, scale, out, lse);
            return new Tensor[]{d.dQ(), d.dK(), d.dV()};
        }, q, k, v);
    }
}
