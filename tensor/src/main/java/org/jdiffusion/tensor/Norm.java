package org.jdiffusion.tensor;

/** Frontends of the fused normalisations and softmax. Each keeps its composite definition in tests as the oracle. */
public final class Norm {
    private Norm() {}

    /** The output and the statistics the backward needs. */
    public record Result(Tensor out, Tensor mean, Tensor rstd) {}

    /** Group norm of x [N, C, *] with γ, β [C] (or both null). */
    public static Result groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps) {
        TensorMath.checkFloating("groupNorm", x);
        if (x.dim() < 2) throw new IllegalArgumentException("groupNorm: expected input [N, C, *], got " + x.describe());
        int c = x.size(1);
        if (groups < 1 || c % groups != 0)
            throw new IllegalArgumentException("groupNorm: " + c + " channels cannot be split into " + groups + " groups (expected a divisor of C)");
        checkAffine("groupNorm", x, gamma, beta, new int[]{c});
        Tensor out = Tensor.empty(x.dtype(), x.device(), x.shape());
        Tensor mean = Tensor.empty(x.dtype(), x.device(), x.size(0), groups), rstd = Tensor.zeros(x.dtype(), x.device(), x.size(0), groups);
        x.backend().groupNorm(x, gamma, beta, groups, eps, out, mean, rstd);
        return new Result(out, mean, rstd);
    }

    /** Layer norm over the last {@code normalizedDims} dims of x; γ, β of those dims' shape (or both null). */
    public static Result layerNorm(Tensor x, Tensor gamma, Tensor beta, int normalizedDims, double eps) {
        TensorMath.checkFloating("layerNorm", x);
        if (normalizedDims < 1 || normalizedDims > x.dim())
            throw new IllegalArgumentException("layerNorm: cannot normalise the last " + normalizedDims + " dims of " + x.describe());
        int[] sh = x.shape();
        int[] norm = java.util.Arrays.copyOfRange(sh, sh.length - normalizedDims, sh.length);
        checkAffine("layerNorm", x, gamma, beta, norm);
        int[] rows = java.util.Arrays.copyOf(sh, sh.length - normalizedDims);
        Tensor out = Tensor.empty(x.dtype(), x.device(), sh);
        Tensor mean = Tensor.empty(x.dtype(), x.device(), rows), rstd = Tensor.zeros(x.dtype(), x.device(), rows);
        x.backend().layerNorm(x, gamma, beta, normalizedDims, eps, out, mean, rstd);
        return new Result(out, mean, rstd);
    }

    /** Gradients of a normalisation: dX, and dGamma, dBeta (both null when γ, β were). */
    public record Grads(Tensor dX, Tensor dGamma, Tensor dBeta) {}

    /** The gradients of {@link #groupNorm} from its saved mean and rstd. */
    public static Grads groupNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int groups) {
        Tensor dX = Tensor.empty(x.dtype(), x.device(), x.shape());
        Tensor dGamma = gamma == null ? null : Tensor.empty(x.dtype(), x.device(), gamma.shape());
        Tensor dBeta = gamma == null ? null : Tensor.empty(x.dtype(), x.device(), gamma.shape());
        x.backend().groupNormBackward(dY, x, gamma, mean, rstd, groups, dX, dGamma, dBeta);
        return new Grads(dX, dGamma, dBeta);
    }

    /** The gradients of {@link #layerNorm} from its saved mean and rstd. */
    public static Grads layerNormBackward(Tensor dY, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int normalizedDims) {
        Tensor dX = Tensor.empty(x.dtype(), x.device(), x.shape());
        Tensor dGamma = gamma == null ? null : Tensor.empty(x.dtype(), x.device(), gamma.shape());
        Tensor dBeta = gamma == null ? null : Tensor.empty(x.dtype(), x.device(), gamma.shape());
        x.backend().layerNormBackward(dY, x, gamma, mean, rstd, normalizedDims, dX, dGamma, dBeta);
        return new Grads(dX, dGamma, dBeta);
    }

    private static void checkAffine(String op, Tensor x, Tensor gamma, Tensor beta, int[] expected) {
        if ((gamma == null) != (beta == null))
            throw new IllegalArgumentException(op + ": gamma and beta must both be given or both be null");
        for (Tensor p : new Tensor[]{gamma, beta}) {
            if (p == null) continue;
            TensorMath.checkSameDevice(op, x, p);
            TensorMath.checkSameDtype(op, x, p);
            if (!java.util.Arrays.equals(p.shape(), expected))
                throw new IllegalArgumentException(op + ": affine parameter " + p.describe() + " does not fit input " + x.describe()
                        + " (expected shape " + Shapes.str(expected) + ")");
        }
    }

    public static Tensor softmax(Tensor x, int dim) { return softmax(x, dim, false); }

    public static Tensor logSoftmax(Tensor x, int dim) { return softmax(x, dim, true); }

    static Tensor softmax(Tensor x, int dim, boolean log) {
        String op = log ? "logSoftmax" : "softmax";
        TensorMath.checkFloating(op, x);
        int d = Shapes.dim(op, dim, x.shape());
        Tensor out = Tensor.empty(x.dtype(), x.device(), x.shape());
        x.backend().softmax(x, d, log, out);
        return out;
    }

    /** The input gradient of softmax (or log_softmax) given its output y. */
    public static Tensor softmaxBackward(Tensor dY, Tensor y, int dim, boolean log) {
        TensorMath.checkSameDevice("softmaxBackward", dY, y);
        TensorMath.checkSameDtype("softmaxBackward", dY, y);
        TensorMath.checkFloating("softmaxBackward", y);
        if (!java.util.Arrays.equals(dY.shape(), y.shape()))
            throw new IllegalArgumentException("softmaxBackward: gradient " + dY.describe() + " and output " + y.describe() + " must have one shape");
        Tensor dX = Tensor.empty(y.dtype(), y.device(), y.shape());
        y.backend().softmaxBackward(dY, y, Shapes.dim("softmaxBackward", dim, y.shape()), log, dX);
        return dX;
    }

    /** Output and row log-sum-exp of attention. */
    public record AttentionResult(Tensor out, Tensor lse) {}

    /**
     * softmax(q·kᵀ·scale + mask)·v with q [B, H, Tq, D], k [B, H, Tk, D], v [B, H, Tk, Dv] and an
     * additive mask broadcastable to [B, H, Tq, Tk] (or null). Inside an {@link Autocast} scope
     * float32 q, k, v (and dOut in the backward) are rounded to bfloat16; the softmax statistics,
     * the mask and the accumulation stay float32.
     */
    public static AttentionResult attention(Tensor q, Tensor k, Tensor v, Tensor mask, double scale) {
        for (Tensor t : new Tensor[]{k, v}) {
            TensorMath.checkSameDevice("attention", q, t);
            TensorMath.checkSameDtype("attention", q, t);
        }
        TensorMath.checkFloating("attention", q);
        if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4)
            throw new IllegalArgumentException("attention: expected q, k, v as [B, H, T, D], got " + q.describe() + ", " + k.describe() + ", " + v.describe());
        int b = q.size(0), h = q.size(1), tq = q.size(2), d = q.size(3), tk = k.size(2);
        if (k.size(0) != b || k.size(1) != h || k.size(3) != d || v.size(0) != b || v.size(1) != h || v.size(2) != tk)
            throw new IllegalArgumentException("attention: shapes do not fit: q " + Shapes.str(q.shape()) + ", k " + Shapes.str(k.shape())
                    + ", v " + Shapes.str(v.shape()) + " (expected k [B, H, Tk, D] and v [B, H, Tk, Dv] with q's B, H, D)");
        Tensor m = null;
        if (mask != null) {
            TensorMath.checkSameDevice("attention", q, mask);
            TensorMath.checkSameDtype("attention", q, mask);
            int[] full = {b, h, tq, tk};
            int[] bs = Shapes.broadcast("attention mask", mask.shape(), full);
            if (!java.util.Arrays.equals(bs, full))
                throw new IllegalArgumentException("attention: mask " + mask.describe() + " does not broadcast to " + Shapes.str(full));
            m = mask.expand(full);
        }
        Tensor out = Tensor.empty(q.dtype(), q.device(), b, h, tq, v.size(3));
        Tensor lse = Tensor.empty(q.dtype(), q.device(), b, h, tq);
        q.backend().attention(Autocast.attentionOperand(q), Autocast.attentionOperand(k), Autocast.attentionOperand(v), m, scale, out, lse);
        return new AttentionResult(out, lse);
    }

    /** Gradients of attention for q, k, v. */
    public record AttentionGrads(Tensor dQ, Tensor dK, Tensor dV) {}

    /** The gradients of {@link #attention} from its saved out and lse (the mask as passed to the forward). */
    public static AttentionGrads attentionBackward(Tensor dOut, Tensor q, Tensor k, Tensor v, Tensor mask, double scale,
                                                   Tensor out, Tensor lse) {
        Tensor m = mask == null ? null : mask.expand(q.size(0), q.size(1), q.size(2), k.size(2));
        Tensor dQ = Tensor.empty(q.dtype(), q.device(), q.shape());
        Tensor dK = Tensor.empty(k.dtype(), k.device(), k.shape());
        Tensor dV = Tensor.empty(v.dtype(), v.device(), v.shape());
        q.backend().attentionBackward(Autocast.attentionOperand(dOut), Autocast.attentionOperand(q), Autocast.attentionOperand(k),
                Autocast.attentionOperand(v), m, scale, out, lse, dQ, dK, dV);
        return new AttentionGrads(dQ, dK, dV);
    }
}
