package org.jdiffusion.diffusion;

import org.jdiffusion.tensor.Device;
import org.jdiffusion.tensor.Generator;
import org.jdiffusion.tensor.MemoryScope;
import org.jdiffusion.tensor.Rand;
import org.jdiffusion.tensor.Tensor;

/**
 * The forward (noising) process of a schedule, for batches with one timestep per sample:
 * q(x_t | x_0) = N(√ᾱ_t·x_0, (1−ᾱ_t)·I) (Ho et al. 2020, eq. 4) and the posterior
 * q(x_{t−1} | x_t, x_0) = N(μ̃_t, β̃_t·I) (eq. 6–7). Timesteps are int64 [B].
 */
public final class ForwardProcess {
    private final NoiseSchedule schedule;
    private final java.util.concurrent.ConcurrentHashMap<String, Tensor> tables = new java.util.concurrent.ConcurrentHashMap<>();

    public ForwardProcess(NoiseSchedule schedule) { this.schedule = schedule; }

    public NoiseSchedule schedule() { return schedule; }

    /** The Gaussian N(mean, variance·I) with its log-variance; variance and logVariance broadcast against mean. */
    public record Gaussian(Tensor mean, Tensor variance, Tensor logVariance) {}

    /** x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε (eq. 4, reparameterised). */
    public Tensor qSample(Tensor x0, Tensor t, Tensor eps) {
        checkSame("qSample", x0, eps);
        if (t.device().isCpu()) Coefficients.timesteps("qSample", t, x0, schedule.timesteps());   // on a GPU the gather checks them
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
    public Tensor sqrtAlphaBar(Tensor t, Tensor x) { return coefficient("sqrtAlphaBar", schedule::sqrtAlphaBar, t, x); }

    /** √(1−ᾱ_t) per sample, shaped to broadcast against x. */
    public Tensor sqrtOneMinusAlphaBar(Tensor t, Tensor x) { return coefficient("sqrtOneMinusAlphaBar", schedule::sqrtOneMinusAlphaBar, t, x); }

    /**
     * f(t_b) per sample: computed on the host for timesteps on the CPU; for timesteps on a device,
     * gathered there from a table of f over every timestep, uploaded once per (coefficient, dtype,
     * device) and kept (the training step then never waits for the device to read t back).
     */
    private Tensor coefficient(String name, java.util.function.IntToDoubleFunction f, Tensor t, Tensor x) {
        if (t.device().isCpu() || !t.device().equals(x.device())) return Coefficients.perSample(f, t, x);
        Tensor table = tables.computeIfAbsent(name + "/" + x.dtype() + "/" + x.device(),
                k -> MemoryScope.untracked(() -> Coefficients.table(f, schedule.timesteps(), x.dtype(), x.device())));
        return Coefficients.gathered(table, t, x);
    }

    /** B timesteps uniform on 0 … T−1. */
    public Tensor uniformTimesteps(Generator g, int batch, Device device) { return Rand.randint(g, 0, schedule.timesteps(), device, batch); }

    private static void checkSame(String op, Tensor a, Tensor b) {
        if (!java.util.Arrays.equals(a.shape(), b.shape()))
            throw new IllegalArgumentException(op + ": " + a.describe() + " and " + b.describe() + " must have one shape");
    }
}
