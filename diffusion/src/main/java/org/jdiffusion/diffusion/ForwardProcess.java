package org.jdiffusion.diffusion;

import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

/**
 * The forward (noising) process of a schedule, for batches with one timestep per sample:
 * q(x_t | x_0) = N(√ᾱ_t·x_0, (1−ᾱ_t)·I) (Ho et al. 2020, eq. 4) and the posterior
 * q(x_{t−1} | x_t, x_0) = N(μ̃_t, β̃_t·I) (eq. 6–7). Timesteps are int64 [B].
 */
public final class ForwardProcess {
    private final NoiseSchedule schedule;

    public ForwardProcess(NoiseSchedule schedule) { this.schedule = schedule; }

    public NoiseSchedule schedule() { return schedule; }

    /** The Gaussian N(mean, variance·I) with its log-variance; variance and logVariance broadcast against mean. */
    public record Gaussian(Tensor mean, Tensor variance, Tensor logVariance) {}

    /** x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε (eq. 4, reparameterised). */
    public Tensor qSample(Tensor x0, Tensor t, Tensor eps) {
        checkSame("qSample", x0, eps);
        Coefficients.timesteps("qSample", t, x0, schedule.timesteps());
        return sqrtAlphaBar(t, x0).mul(x0).add(sqrtOneMinusAlphaBar(t, x0).mul(eps));
    }

    /** q(x_t | x_0): mean √ᾱ_t·x_0, variance 1−ᾱ_t. */
    public Gaussian qMarginal(Tensor x0, Tensor t) {
        Coefficients.timesteps("qMarginal", t, x0, schedule.timesteps());
        Tensor var = Coefficients.perSample(u -> 1 - schedule.alphaBar(u), t, x0);
        return new Gaussian(sqrtAlphaBar(t, x0).mul(x0), var, var.log());
    }

    /** q(x_{t−1} | x_t, x_0): μ̃_t = coef1·x_0 + coef2·x_t, β̃_t, and the clipped log β̃_t (eq. 7). */
    public Gaussian qPosterior(Tensor x0, Tensor xt, Tensor t) {
        checkSame("qPosterior", x0, xt);
        Coefficients.timesteps("qPosterior", t, x0, schedule.timesteps());
        Tensor mean = Coefficients.perSample(schedule::posteriorMeanCoef1, t, x0).mul(x0)
                .add(Coefficients.perSample(schedule::posteriorMeanCoef2, t, x0).mul(xt));
        return new Gaussian(mean, Coefficients.perSample(schedule::posteriorVariance, t, x0),
                Coefficients.perSample(schedule::posteriorLogVarianceClipped, t, x0));
    }

    /** √ᾱ_t per sample, shaped to broadcast against x. */
    public Tensor sqrtAlphaBar(Tensor t, Tensor x) { return Coefficients.perSample(schedule::sqrtAlphaBar, t, x); }

    /** √(1−ᾱ_t) per sample, shaped to broadcast against x. */
    public Tensor sqrtOneMinusAlphaBar(Tensor t, Tensor x) { return Coefficients.perSample(schedule::sqrtOneMinusAlphaBar, t, x); }

    /** B timesteps uniform on 0 … T−1. */
    public Tensor uniformTimesteps(Generator g, int batch, Device device) { return Rand.randint(g, 0, schedule.timesteps(), device, batch); }

    private static void checkSame(String op, Tensor a, Tensor b) {
        if (!java.util.Arrays.equals(a.shape(), b.shape()))
            throw new IllegalArgumentException(op + ": " + a.describe() + " and " + b.describe() + " must have one shape");
    }
}
