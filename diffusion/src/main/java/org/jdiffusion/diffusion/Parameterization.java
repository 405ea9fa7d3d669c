package org.jdiffusion.diffusion;

import org.jdiffusion.tensor.Tensor;

/**
 * Conversions between the three things a network may predict, given x_t = a·x_0 + s·ε with
 * a = √ᾱ_t and s = √(1−ᾱ_t) (a² + s² = 1). a and s are coefficient tensors that broadcast against
 * x_t (see {@link Coefficients}). The velocity is v = a·ε − s·x_0 (Salimans &amp; Ho 2022, §4), so
 * x_0 = a·x_t − s·v and ε = s·x_t + a·v. At zero SNR (a = 0) x_0 is undefined from ε alone: the
 * division yields non-finite values, which samplers refuse up front.
 */
public final class Parameterization {
    private Parameterization() {}

    /** The predicted x_0 from a network output of kind p. */
    public static Tensor x0(Prediction p, Tensor output, Tensor xt, Tensor a, Tensor s) {
        return switch (p) {
            case EPS -> xt.sub(s.mul(output)).div(a);     // x_0 = (x_t − s·ε̂) / a
            case X0 -> output;
            case V -> a.mul(xt).sub(s.mul(output));       // x_0 = a·x_t − s·v̂
        };
    }

    /** The predicted ε from a network output of kind p. */
    public static Tensor eps(Prediction p, Tensor output, Tensor xt, Tensor a, Tensor s) {
        return switch (p) {
            case EPS -> output;
            case X0 -> xt.sub(a.mul(output)).div(s);     // ε = (x_t − a·x̂_0) / s
            case V -> s.mul(xt).add(a.mul(output));       // ε = s·x_t + a·v̂
        };
    }

    /** ε consistent with x_t and a given x_0: (x_t − a·x_0) / s. */
    public static Tensor epsFromX0(Tensor x0, Tensor xt, Tensor a, Tensor s) { return xt.sub(a.mul(x0)).div(s); }

    /** v = a·ε − s·x_0. */
    public static Tensor velocity(Tensor x0, Tensor eps, Tensor a, Tensor s) { return a.mul(eps).sub(s.mul(x0)); }

    /** The regression target for a network of kind p, given the true x_0 and ε. */
    public static Tensor target(Prediction p, Tensor x0, Tensor eps, Tensor a, Tensor s) {
        return switch (p) {
            case EPS -> eps;
            case X0 -> x0;
            case V -> velocity(x0, eps, a, s);
        };
    }

    /** The network output of kind p that corresponds exactly to a given (x_0, ε) pair. */
    public static Tensor output(Prediction p, Tensor x0, Tensor eps, Tensor a, Tensor s) { return target(p, x0, eps, a, s); }
}
