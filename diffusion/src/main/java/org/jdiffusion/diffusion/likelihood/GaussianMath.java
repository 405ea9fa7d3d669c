package org.jdiffusion.diffusion.likelihood;

import org.jdiffusion.tensor.Erf;
import org.jdiffusion.tensor.HostStorage;
import org.jdiffusion.tensor.Shapes;
import org.jdiffusion.tensor.Tensor;

/**
 * The Gaussian quantities of the variational bound, in nats: the KL divergence of two diagonal
 * Gaussians, and the discretised Gaussian log-likelihood of 8-bit data scaled to [−1, 1] (Ho et al.
 * 2020, eq. 13), whose bins are [x − 1/255, x + 1/255] with the outer edges extended to ±∞. The CDF
 * is the exact Φ (through erfc), so the decoder term needs no approximation.
 */
public final class GaussianMath {
    private GaussianMath() {}

    /** KL(N(μ₁, e^{v₁}) ‖ N(μ₂, e^{v₂})) elementwise = ½·(−1 + v₂ − v₁ + e^{v₁−v₂} + (μ₁ − μ₂)²·e^{−v₂}); operands broadcast. */
    public static Tensor normalKl(Tensor mean1, Tensor logVar1, Tensor mean2, Tensor logVar2) {
        return logVar2.sub(logVar1).add(logVar1.sub(logVar2).exp()).add(mean1.sub(mean2).square().mul(logVar2.neg().exp())).sub(1).mul(0.5);
    }

    /**
     * log P(x | μ, σ) for x on the 8-bit grid {2k/255 − 1}: log(Φ((x + 1/255 − μ)/σ) − Φ((x − 1/255 − μ)/σ)),
     * with Φ(·) = 1 at x = 1's upper edge and 0 at x = −1's lower edge. logScale = log σ broadcasts
     * against x; the result has x's shape and dtype.
     */
    public static Tensor discretizedGaussianLogLikelihood(Tensor x, Tensor mean, Tensor logScale) {
        if (!java.util.Arrays.equals(x.shape(), mean.shape()))
            throw new IllegalArgumentException("discretizedGaussianLogLikelihood: x " + x.describe() + " and means " + mean.describe()
                    + " must have one shape");
        int[] shape = Shapes.broadcast("discretizedGaussianLogLikelihood", x.shape(), logScale.shape());
        double[] xs = x.toDoubleArray(), ms = mean.toDoubleArray(), ls = logScale.expand(shape).contiguous().toDoubleArray();
        HostStorage out = HostStorage.allocate(x.dtype(), xs.length);
        for (int i = 0; i < xs.length; i++) out.set(i, binLogProb(xs[i], ms[i], ls[i]));
        return Tensor.fromHost(out, x.shape(), x.device());
    }

    /** log of the N(μ, e^{2·logScale}) mass of x's bin. */
    static double binLogProb(double x, double mu, double logScale) {
        double invS = Math.exp(-logScale);
        double lo = x < -0.999 ? Double.NEGATIVE_INFINITY : (x - 1.0 / 255 - mu) * invS;
        double hi = x > 0.999 ? Double.POSITIVE_INFINITY : (x + 1.0 / 255 - mu) * invS;
        return Math.log(Math.max(massBetween(lo, hi), Double.MIN_NORMAL));
    }

    /** Φ(b) − Φ(a) for a ≤ b, accurate in either tail (differences of erfc, never of values near 1). */
    static double massBetween(double a, double b) {
        if (a >= 0) return 0.5 * (erfc(a / Math.sqrt(2)) - erfc(b / Math.sqrt(2)));   // Q(a) − Q(b)
        if (b <= 0) return 0.5 * (erfc(-b / Math.sqrt(2)) - erfc(-a / Math.sqrt(2)));  // Φ(b) − Φ(a)
        return 1 - 0.5 * erfc(b / Math.sqrt(2)) - 0.5 * erfc(-a / Math.sqrt(2));      // 1 − Q(b) − Φ(a)
    }

    /** Φ(x), the standard normal CDF. */
    public static double standardNormalCdf(double x) { return 0.5 * erfc(-x / Math.sqrt(2)); }

    /** erfc(z) = 1 − erf(z), relative accuracy kept in both tails: the tensor module's {@link Erf#erfc}. */
    public static double erfc(double z) { return Erf.erfc(z); }
}
